"""load_reference_data: validates everything first, loads everything in one transaction, idempotently."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from coopcases.accounts.models import Role
from coopcases.audit.models import AuditEntry
from networks import models as m
from networks.services import ReferenceDataInvalid, reference_data_load
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MODELS = [m.Country, m.Authority, m.Network, m.Membership, m.Instrument, m.InstrumentParty, m.DeadlineRule, m.Offence,
          m.Measure, m.Measure.instruments.through, m.RefusalGround, m.RefusalRestriction, Role]


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def load(data_dir=None):
    return {res.kind: res for res in reference_data_load(actor=None, data_dir=data_dir).results}


def run_command(*args, **kwargs):
    out, err = StringIO(), StringIO()
    call_command("load_reference_data", *args, stdout=out, stderr=err, **kwargs)
    return out.getvalue()


def test_real_data_loads_twice_to_the_same_rows(real_dataset):
    first = load()
    after_first = counts()
    second = load()

    assert counts() == after_first
    assert after_first["Country"] == real_dataset.count("countries")
    assert after_first["InstrumentParty"] == real_dataset.count("instrument_parties")
    assert all(res.created == 0 and res.updated == 0 and res.removed == 0 for res in second.values())
    assert second["memberships"].unchanged == first["memberships"].created == real_dataset.count("memberships")
    assert AuditEntry.objects.filter(action="reference_data.loaded").count() == 2
    assert m.Country.objects.get(code="NO").name_en == "Norway"


def test_command_shows_progress_per_file(mini):
    output = run_command(data_dir=mini.folder)

    assert "countries.yaml" in output and "created    3" in output
    assert "memberships" in output and "loaded in one transaction" in output
    again = run_command(data_dir=mini.folder)
    assert "unchanged    3" in again and "created    0" in again


def test_check_validates_without_writing(mini):
    output = run_command("--check", data_dir=mini.folder)

    assert "All files are valid" in output
    assert "countries                  3 valid" in output
    assert m.Country.objects.count() == 0


def _break(mini, change):
    change(mini.files)
    mini.write()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(
            lambda f: f["networks.yaml"]["networks"][0]["memberships"].__setitem__(1, {"country": "XX"}),
            "networks.yaml: entry 1 (code=IBERRED, line 3), field 'memberships[2].country': unknown country code 'XX'",
            id="unknown-country",
        ),
        pytest.param(
            lambda f: f["networks.yaml"]["networks"].append(dict(f["networks.yaml"]["networks"][0], memberships=[])),
            "networks.yaml: entry 3 (code=IBERRED, line 36), field 'code': duplicate code 'IBERRED' (also entry 1)",
            id="duplicate-network-code",
        ),
        pytest.param(
            lambda f: f["instruments.yaml"]["instruments"][0]["parties"][1].__setitem__("in_force_on", "2003-13-40"),
            "instruments.yaml: entry 1 (code=UNTOC, line 3), field 'parties[2].in_force_on': '2003-13-40' is not a valid date YYYY-MM-DD",
            id="bad-date",
        ),
        pytest.param(
            lambda f: f["authorities.yaml"]["defaults"].pop("source"),
            "authorities.yaml: entry 1 (code=es-ca, line 5), field 'source': is required",
            id="missing-source",
        ),
        pytest.param(
            lambda f: f["measures.yaml"]["measures"][0].__setitem__("instruments", ["UNTOC", "NOPE"]),
            "measures.yaml: entry 1 (code=SERVICE_OF_DOCUMENTS, line 3), field 'instruments': unknown instrument 'NOPE'",
            id="unknown-instrument",
        ),
        pytest.param(
            lambda f: f["offences.yaml"]["offences"][0].__setitem__("iccs_code", 0o6012),
            "offences.yaml: entry 1 (code=FRAUD, line 3), field 'iccs_code': expected text, got int 3082 (quote it)",
            id="unquoted-code-read-as-octal",
        ),
        pytest.param(
            lambda f: f["offences.yaml"]["offences"][0].__setitem__("verifed", True),
            "offences.yaml: entry 1 (code=FRAUD, line 3), field 'verifed': unknown field",
            id="misspelt-field",
        ),
        pytest.param(
            lambda f: f["instruments.yaml"]["instruments"][2]["parties"].append({"country": "ES", "in_force_on": "2003-01-01", "source": "x", "verified": True, "dates_verified": True}),
            "instruments.yaml: entry 3 (code=MANAGUA1993, line 49), field 'parties[2].country': ES is not a party to the parent instrument NASSAU1992",
            id="protocol-party-outside-convention",
        ),
        pytest.param(
            lambda f: f["deadline_rules.yaml"]["deadline_rules"][0].__setitem__("is_legal_limit", True),
            "field 'is_legal_limit': requested dates and service levels are never legal limits",
            id="requested-date-as-law",
        ),
    ],
)
def test_bad_data_stops_the_load_naming_file_entry_and_field(mini, change, expected):
    load(mini.folder)
    before = counts()
    mini.files["countries.yaml"]["countries"][0]["name"]["en"] = "Kingdom of Spain"  # a good change in the same run
    _break(mini, change)

    with pytest.raises(CommandError, match="nothing was loaded"):
        err = StringIO()
        try:
            call_command("load_reference_data", data_dir=mini.folder, stdout=StringIO(), stderr=err)
        finally:
            messages = err.getvalue()
    assert expected in messages
    assert counts() == before
    assert m.Country.objects.get(code="ES").name_en == "Spain"


def test_bad_data_on_an_empty_database_loads_nothing(mini):
    _break(mini, lambda f: f["networks.yaml"]["networks"][0]["memberships"].append({"country": "ZZ"}))

    with pytest.raises(ReferenceDataInvalid) as exc:
        load(mini.folder)
    assert [str(p) for p in exc.value.reference_problems] == [
        "networks.yaml: entry 1 (code=IBERRED, line 3), field 'memberships[4].country': unknown country code 'ZZ'"
    ]
    assert sum(counts().values()) == 0


def test_rows_gone_from_the_file_are_removed_unless_something_refers_to_them(mini):
    authorities = mini.files["authorities.yaml"]["authorities"]
    authorities += [
        {"code": "es-fge", "country": "ES", "kind": "prosecution", "name": "Fiscalía General del Estado"},
        {"code": "ar-mpf", "country": "AR", "kind": "prosecution", "name": "Ministerio Público Fiscal"},
    ]
    mini.write()
    load(mini.folder)
    UserFactory(authority=m.Authority.objects.get(code="es-fge"))
    m.Offence.objects.create(code="STAFF_MADE", name_en="Added in the admin", source="staff", verified=False)

    mini.files["authorities.yaml"]["authorities"] = authorities[:-2]
    mini.files["offences.yaml"]["offences"] = []
    mini.files["networks.yaml"]["networks"][0]["memberships"].pop()  # AR leaves IberRed
    mini.files["measures.yaml"]["measures"][0]["instruments"] = []
    mini.write()
    results = load(mini.folder)

    assert results["authorities"].removed == 1 and results["authorities"].kept == ["es-fge"]
    assert set(m.Authority.objects.filter(code__in=["es-fge", "ar-mpf"]).values_list("code", flat=True)) == {"es-fge"}
    assert results["offences"].removed == 1
    assert list(m.Offence.objects.values_list("code", flat=True)) == ["STAFF_MADE"]
    assert not m.Membership.objects.filter(network__code="IBERRED", country_id="AR").exists()
    assert results["measure_instruments"].removed == 1
    assert not m.Measure.objects.get(code="SERVICE_OF_DOCUMENTS").instruments.exists()
    # the kept row is still the loader's: once nothing refers to it, the next load removes it
    m.Authority.objects.get(code="es-fge").users.all().delete()
    assert load(mini.folder)["authorities"].removed == 1


def test_fields_the_file_leaves_out_keep_what_staff_entered(mini):
    load(mini.folder)
    m.Authority.objects.filter(code="es-ca").update(email="cooperacion@example.org", phone="+34 900 000 000")

    assert load(mini.folder)["authorities"].unchanged == 4
    mini.files["authorities.yaml"]["authorities"][0]["name"] = "Ministerio de Justicia – SGCJI"
    mini.write()
    results = load(mini.folder)

    assert (results["authorities"].updated, results["authorities"].unchanged) == (1, 3)
    es = m.Authority.objects.get(code="es-ca")
    assert (es.name, es.email, es.phone) == ("Ministerio de Justicia – SGCJI", "cooperacion@example.org", "+34 900 000 000")


def test_the_designated_central_authority_can_move_to_another_authority(mini):
    load(mini.folder)
    authorities = mini.files["authorities.yaml"]["authorities"]
    authorities[0]["designated_central_authority"] = False
    authorities.append({"code": "es-ca-new", "country": "ES", "kind": "central_authority", "designated_central_authority": True, "name": "Nueva"})
    mini.write()

    results = load(mini.folder)

    assert (results["authorities"].created, results["authorities"].updated) == (1, 1)
    assert list(m.Authority.objects.filter(country_id="ES", designated_central_authority=True).values_list("code", flat=True)) == ["es-ca-new"]


def test_members_listed_for_a_network_marked_unpublished_are_refused(mini):
    _break(mini, lambda f: f["networks.yaml"]["networks"][1].__setitem__("members_published", False))

    with pytest.raises(ReferenceDataInvalid) as exc:
        load(mini.folder)
    assert "members are marked unpublished" in str(exc.value.reference_problems[0])


def test_duplicate_yaml_keys_and_missing_files_are_reported(mini):
    (mini.folder / "roles.yaml").write_text('version: "1"\nversion: "2"\nroles: []\n')
    (mini.folder / "offences.yaml").unlink()

    with pytest.raises(ReferenceDataInvalid) as exc:
        load(mini.folder)
    messages = [str(p) for p in exc.value.reference_problems]
    assert any(msg.startswith("offences.yaml, field '(file)': file not found") for msg in messages)
    assert any("roles.yaml" in msg and "duplicate key 'version'" in msg for msg in messages)
