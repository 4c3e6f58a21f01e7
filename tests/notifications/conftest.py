from tests.notifications.fixtures import broker_not_paused, default_rules, receiver  # noqa: F401 (fixtures)
