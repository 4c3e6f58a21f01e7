"""Schemathesis over the reference, assets, deadlines, notifications and webhooks resources, as a partner holding
their scopes, on a seeded database: no 5xx and every response as the schema says (see test_schemathesis.py)."""

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.utils import timezone

from coopcases.api.throttling import ClientRateThrottle
from coopcases.notifications.models import Notification
from tests.api.conftest import Partner
from tests.assets.conftest import freezing_order, world  # noqa: F401 (fixture)
from tests.assets.factories import AssetFactory
from tests.notifications.factories import service_account, staff

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance"
SCOPES = tuple(f"{family}:{kind}" for family in ("reference", "assets", "deadlines", "notifications", "webhooks") for kind in ("read", "write"))
PATHS = r"^/api/v1/(countries|authorities|networks|instruments|routing-advice|assets|asset-orders|sharing-agreements|deadlines|notifications|webhook-)"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_schemathesis_on_the_api2_resources(world, live_server, monkeypatch, tmp_path):  # noqa: F811
    from coopcases.events.services import event_emit
    from coopcases.notifications.services import webhook_subscription_create

    monkeypatch.setattr(ClientRateThrottle, "THROTTLE_RATES", {"client": "100000/min"})
    partner = Partner(world.lead, scopes=SCOPES)
    asset = AssetFactory(case=world.case, responsible_authority=world.lead)
    freezing_order(world, asset, renewal_due_on=date(2031, 1, 1))
    event = event_emit(obj=world.case, event_type="asset.create", actor=world.magistrate)
    Notification.objects.create(event=event, user=partner.user, event_type=event.event_type, title="x", created_at=timezone.now())
    owner = service_account(world.lead)
    webhook_subscription_create(actor=staff(), owner=owner, authority=world.lead, name="p", target_url="https://partner.example/",
                                event_types=["deadline.*"])
    result = subprocess.run(  # noqa: S603
        [
            str(SCHEMATHESIS), "run", f"{live_server.url}/api/schema/",
            "--checks", CHECKS, "--include-path-regex", PATHS,
            "-H", f"Authorization: Bearer {partner.token}",
            "--max-examples", "25", "--seed", "20261123", "--workers", "1",
            "--phases", "examples,coverage,fuzzing", "--request-timeout", "30",
            "--report", "junit", "--report-dir", str(tmp_path),
        ],
        capture_output=True, text=True, timeout=900, env={**os.environ, "NO_COLOR": "1"}, check=False, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-15000:] + result.stderr[-3000:]
