"""Schemathesis against a live server on a seeded database: no 5xx, and every response as the schema says.

Schemathesis runs as a separate process (its pytest plugin is off: the `requests` app shadows the library it
uses). The seed gives it a partner client of a requesting authority with every scope, and objects to find.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from coopcases.api.throttling import ClientRateThrottle
from tests.api.conftest import ALL_REQUEST_SCOPES, Partner
from tests.cases.factories import CaseFactory, JITFactory
from tests.requests.factories import advance, complete_draft

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance"


@pytest.mark.slow  # several minutes: every operation through the coverage and fuzzing phases
@pytest.mark.django_db(transaction=True)
def test_schemathesis_finds_no_server_error_and_no_schema_violation(world, live_server, monkeypatch, tmp_path):
    monkeypatch.setattr(ClientRateThrottle, "THROTTLE_RATES", {"client": "100000/min"})
    partner = Partner(world.authorities["pe-fecor"], scopes=ALL_REQUEST_SCOPES)
    draft = complete_draft(world, "PE")
    advance(world, complete_draft(world, "PE"), "transmitted")
    case = CaseFactory(lead_authority=world.authorities["pe-fecor"])
    JITFactory(case=case, parties=[world.authorities["pe-fecor"], world.authorities["es-anticorrupcion"]])
    assert draft.pk
    result = subprocess.run(  # noqa: S603
        [
            str(SCHEMATHESIS), "run", f"{live_server.url}/api/schema/",
            "--checks", CHECKS,
            "-H", f"Authorization: Bearer {partner.token}",
            "--max-examples", "15", "--seed", "20261123", "--workers", "1",
            "--phases", "examples,coverage,fuzzing", "--request-timeout", "30",
            "--report", "junit", "--report-dir", str(tmp_path),
        ],
        capture_output=True, text=True, timeout=900, env={**os.environ, "NO_COLOR": "1"}, check=False, cwd=tmp_path,
    )
    (tmp_path / "schemathesis.txt").write_text(result.stdout + result.stderr)
    assert result.returncode == 0, result.stdout[-15000:] + result.stderr[-3000:]
