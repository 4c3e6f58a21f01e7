from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeadlinesConfig(AppConfig):
    name = "coopcases.deadlines"
    label = "deadlines"
    verbose_name = _("Deadlines")

    def ready(self):
        from coopcases.deadlines import checks  # noqa: F401 (registers the system check)
        from coopcases.deadlines.sweeps import EVENT_ESCALATED, EVENT_MISSED, EVENT_REMINDER
        from coopcases.events.registry import register_event_type

        register_event_type(EVENT_REMINDER, _("A reminder offset of a deadline was reached"))
        register_event_type(EVENT_MISSED, _("A deadline passed without being met"))
        register_event_type(EVENT_ESCALATED, _("A missed deadline was escalated to the central authorities"))
