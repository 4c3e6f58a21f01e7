"""sqlmap (Debian's package) against the list filters and the search of a live gunicorn on the harness's own
PostgreSQL: the API with a bearer token its server issued, and the web search page with a signed-in session.

It passes only if sqlmap tested every named parameter, reported no injection point (neither in its output nor in
its results CSV), the server answered no 5xx, and the scan really ran signed in (no 401/403/429 in the access
log, and the base query of the MLA request list selects rows, so sqlmap's boolean tests compare a non-empty page
with an empty one). `make test` runs a minimal scan (level 1, PostgreSQL payloads, four parameters); `make faults`
the full one (level 2, every DBMS's payloads, all filters of the MLA request list plus cases, assets,
notifications and the web search)."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from coopcases.accounts.roles import RoleCode
from coopcases.api.services import api_client_create
from requests.models import MlaRequest
from tests.faults.conftest import serve
from tests.faults.scenarios import mla_world, step
from tests.requests.factories import complete_draft
from tests.security.factories import administrator

pytestmark = [pytest.mark.ephemeral, pytest.mark.sqlmap, pytest.mark.xdist_group("faults")]
SCOPES = ("requests:read", "cases:read", "assets:read", "notifications:read", "reference:read")
PASSWORD = "correct horse battery staple"
SCAN_SECONDS = 900
ACCESS_LINE = re.compile(r'"(GET|POST|HEAD|PUT|PATCH|DELETE|OPTIONS) (\S+) HTTP/[\d.]+" (\d{3}) ')


@dataclass
class Target:
    base_url: str
    bearer: str
    session_cookie: str
    reference: str  # of one submitted request: `q` selects it and nothing else
    server: object


@pytest.fixture
def target(fresh_db, process_env, fault_dir):
    """A world with three submitted requests, a partner system's token and a signed-in officer's session, served
    by a gunicorn whose per-client rate limit is lifted (sqlmap sends thousands of requests)."""
    world, _ = mla_world(0)
    submitted = []
    for _ in range(3):
        req = complete_draft(world)
        step(world, req.pk, 0)
        submitted.append(req)
    officer = world.user("ca:pe-fn")
    officer.set_password(PASSWORD)
    officer.save(update_fields=["password"])
    issued = api_client_create(actor=administrator(), name="scanner", authority=officer.authority, scopes=SCOPES,
                               roles=(RoleCode.CENTRAL_AUTHORITY_OFFICER,))
    server = serve({**process_env, "API_THROTTLE_RATE": "1000000/min"}, fault_dir, name=f"gunicorn-sqlmap-{uuid.uuid4().hex[:6]}")
    try:
        with httpx.Client(base_url=server.base_url, timeout=30) as http:
            token = http.post("/oauth/token/", data={"grant_type": "client_credentials"}, auth=(issued.client_id, issued.client_secret))
            assert token.status_code == 200, token.text
            form = http.get("/accounts/login/")
            csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
            signed_in = http.post("/accounts/login/", data={"username": officer.username, "password": PASSWORD,
                                                            "csrfmiddlewaretoken": csrf, "next": "/"})
            assert signed_in.status_code == 302 and "sessionid" in http.cookies, signed_in.text[:500]
            session = f"sessionid={http.cookies['sessionid']}; csrftoken={http.cookies['csrftoken']}"
        reference = MlaRequest.objects.get(pk=submitted[1].pk).reference
        yield Target(server.base_url, token.json()["access_token"], session, reference.rsplit("-", 1)[-1], server)
    finally:
        server.stop()


@dataclass
class Scan:
    output: str
    injection_points: list  # rows of sqlmap's results CSV
    tested: set  # parameters sqlmap reported as tested and not injectable
    dynamic: set  # parameters whose value changed the page
    statuses: Counter  # of the server's answers during the scan


def sqlmap(target: Target, path: str, *, out_dir: Path, level: int, dbms: str | None = None, web: bool = False,
           params: str | None = None, timeout: int = SCAN_SECONDS) -> Scan:
    if shutil.which("sqlmap") is None:
        pytest.fail("sqlmap is not installed: apt-get install -y sqlmap (.ci/run installs it)")
    log_start = target.server.log.stat().st_size
    auth = [f"--cookie={target.session_cookie}", "--drop-set-cookie"] if web else [f"--headers=Authorization: Bearer {target.bearer}"]
    command = [
        "sqlmap", "-u", f"{target.base_url}{path}", *auth, "--batch", "--flush-session", f"--output-dir={out_dir}",
        f"--level={level}", "--risk=1", "--technique=BEUST", "--time-sec=2", "--threads=2", "--timeout=20",
        "--retries=1", "--disable-coloring", "--skip-waf",
        *([f"--dbms={dbms}"] if dbms else []), *([f"-p={params}"] if params else []),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    rows = []
    for results in out_dir.glob("results-*.csv"):
        with results.open(newline="") as f:
            rows += list(csv.DictReader(f))
    with target.server.log.open(errors="replace") as log:
        log.seek(log_start)
        statuses = Counter(int(m.group(3)) for m in ACCESS_LINE.finditer(log.read()))
    scan = Scan(
        output=output,
        injection_points=rows,
        tested=set(re.findall(r"parameter '([^']+)' does not seem to be injectable", output)),
        dynamic=set(re.findall(r"parameter '([^']+)' appears to be dynamic", output)),
        statuses=statuses,
    )
    print(f"sqlmap {path}: {sum(statuses.values())} requests, answers {dict(sorted(statuses.items()))}, "
          f"not injectable: {sorted(scan.tested)}, dynamic: {sorted(scan.dynamic)}")
    return scan


def assert_clean(scan: Scan, parameters: set) -> None:
    tail = scan.output[-4000:]
    assert not scan.injection_points, scan.injection_points
    assert "identified the following injection point" not in scan.output, tail
    assert "all tested parameters do not appear to be injectable" in scan.output, tail
    assert parameters <= scan.tested, (parameters - scan.tested, tail)
    assert not [s for s in scan.statuses if s >= 500], scan.statuses
    assert not {401, 403, 429} & set(scan.statuses), ("the scan did not run signed in", scan.statuses)
    assert scan.statuses[200] > 0, scan.statuses


def test_sqlmap_minimal_scan_of_the_mla_request_filters(target, tmp_path):
    """`make test`: level 1 with PostgreSQL payloads on the search and three filters (about 150 requests)."""
    parameters = {"q", "state", "requested_state", "updated_since"}
    scan = sqlmap(target, f"/api/v1/mla-requests/?q={target.reference}&state=submitted&requested_state=ES"
                          "&updated_since=2020-01-01T00:00:00Z", out_dir=tmp_path, level=1, dbms="PostgreSQL", timeout=300)
    assert_clean(scan, parameters)
    assert "q" in scan.dynamic, "the base query must select a request, or boolean tests prove nothing"


FULL_SCANS = {
    # The base values select one of the three requests, so every parameter's page is compared against a non-empty one.
    "mla-requests": ("/api/v1/mla-requests/?q={ref}&state=submitted&states=submitted&kind=mla&requested_state=ES"
                     "&requesting_state=PE&updated_since=2020-01-01T00:00:00Z&ordering=-id",
                     {"q", "state", "states", "kind", "requested_state", "requesting_state", "updated_since", "ordering"}),
    "mla-requests, other filters": ("/api/v1/mla-requests/?overdue=false&network=EJN&due_before=2099-01-01T00:00:00Z",
                                    {"overdue", "network", "due_before"}),
    "cases": ("/api/v1/cases/?q=a&state=open&confidentiality=restricted&updated_since=2020-01-01T00:00:00Z",
              {"q", "state", "confidentiality", "updated_since"}),
    "assets": ("/api/v1/assets/?search=a&location_state=ES&case=1", {"search", "location_state", "case"}),
    # An exact event type: sqlmap reads `*` (as in the prefix form `mla_request.*`) as its own injection marker.
    "notifications": ("/api/v1/notifications/?event_type=mla_request.submit&unread=true&created_since=2020-01-01T00:00:00Z",
                      {"event_type", "unread", "created_since"}),
}


@pytest.mark.faults_long
@pytest.mark.parametrize("name", FULL_SCANS)
def test_sqlmap_full_scan_of_the_api_list_filters(target, tmp_path, name):
    path, parameters = FULL_SCANS[name]
    scan = sqlmap(target, path.format(ref=target.reference), out_dir=tmp_path, level=2)
    assert_clean(scan, parameters)
    if name == "mla-requests":
        assert "q" in scan.dynamic, "the base query must select a request, or boolean tests prove nothing"


@pytest.mark.faults_long
def test_sqlmap_full_scan_of_the_web_search(target, tmp_path):
    """The search page of a signed-in officer (level 2 also tests the session and CSRF cookies)."""
    scan = sqlmap(target, f"/search/?q={target.reference}", out_dir=tmp_path, level=2, web=True)
    assert_clean(scan, {"q"})
    assert "q" in scan.dynamic, "the search must find the request, or boolean tests prove nothing"
