"""No Docker engine runs here: check what can be checked of the compose file and the Dockerfile."""

from pathlib import Path

import yaml

from coopcases.env import DECLARED

ROOT = Path(__file__).resolve().parents[2]


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_names_every_service_the_settings_need():
    services = compose()["services"]
    assert {"db", "redis", "web", "worker", "beat"} <= set(services)
    for name in ("web", "worker", "beat", "migrate"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://") and "@db:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert env["DJANGO_SETTINGS_MODULE"] == "coopcases.settings.prod"


def test_compose_services_have_health_checks_and_volumes():
    doc = compose()
    for name in ("db", "redis", "web", "worker"):
        assert "healthcheck" in doc["services"][name], name
    assert {"pgdata", "redisdata", "files"} <= set(doc["volumes"])
    assert doc["services"]["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_worker_listens_on_every_queue_the_app_routes_to():
    command = " ".join(compose()["services"]["worker"]["command"])
    for queue in ("default", "sweeps", "deliveries"):
        assert queue in command


def test_env_example_sets_every_required_production_secret():
    keys = {line.split("=", 1)[0] for line in (ROOT / ".env.example").read_text().splitlines() if "=" in line and not line.startswith("#")}
    assert {"SECRET_KEY", "POSTGRES_PASSWORD", "ALLOWED_HOSTS"} <= keys
    assert keys - {"POSTGRES_PASSWORD"} <= set(DECLARED), "every variable in .env.example is declared in coopcases/env.py"


def test_dockerfile_runs_gunicorn_as_non_root_with_production_settings():
    text = (ROOT / "Dockerfile").read_text()
    assert "USER coopcases" in text
    assert "DJANGO_SETTINGS_MODULE=coopcases.settings.prod" in text
    assert "gunicorn" in text and "coopcases.wsgi:application" in text
    for line in text.splitlines():
        assert not line.strip().startswith("FROM") or "python:3.11" in line
