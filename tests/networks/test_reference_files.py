"""The committed reference files: coverage and the facts domain.md fixes, checked without a database."""

from datetime import date

import pytest

from coopcases.accounts.roles import RoleCode

LATIN_AMERICA = {"AR", "BO", "BR", "CL", "CO", "CR", "CU", "DO", "EC", "SV", "GT", "HT", "HN", "MX", "NI", "PA", "PY", "PE", "UY", "VE"}
CARIBBEAN = {"AG", "BS", "BB", "BZ", "DM", "GD", "GY", "JM", "KN", "LC", "VC", "SR", "TT"}
EU = {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"}
OTHERS = {"US", "CA", "AD", "KZ", "UA", "CH", "GB", "NO"}


def by_key(ds, kind):
    return {rec.key: rec for rec in ds.records[kind]}


def parties(ds, instrument):
    return {child.key: child.values for child in by_key(ds, "instruments")[instrument].children}


def members(ds, network):
    return {child.key: child.values for child in by_key(ds, "networks")[network].children}


def test_every_required_state_is_there_with_codes_zone_and_calendar(real_dataset):
    countries = by_key(real_dataset, "countries")
    assert set(countries) >= LATIN_AMERICA | CARIBBEAN | EU | OTHERS
    assert countries["NO"].values["code3"] == "NOR"  # 'NO' stays Norway, not YAML's false
    for code, rec in countries.items():
        assert rec.values["time_zone"], code
        assert rec.values["holiday_calendar"] == code
        assert rec.values["name_es"] and rec.values["name_pt"] and rec.values["name_fr"], code
        assert rec.values["accepted_languages_verified"] is False, code


def test_every_state_has_one_designated_central_authority(real_dataset):
    designated = [rec for rec in real_dataset.records["authorities"] if rec.values.get("designated_central_authority")]
    assert sorted(rec.values["country"] for rec in designated) == sorted(by_key(real_dataset, "countries"))
    names = {rec.values["country"]: rec.values["name"] for rec in designated}
    assert "Unidad de Cooperación Judicial Internacional y Extradiciones" in names["PE"]
    assert "Subdirección General de Cooperación Jurídica Internacional" in names["ES"]
    assert names["PT"] == "Procuradoria-Geral da República"
    assert "Office of International Affairs" in names["US"]
    assert "DRCI" in names["BR"]
    assert all(rec.values["verified"] is False for rec in designated)  # none checked against the CNA directory yet


def test_medellin_in_force_for_spain_only_signed_for_argentina(real_dataset):
    medellin = parties(real_dataset, "MEDELLIN2019")
    assert medellin["ES"]["in_force_on"] == date(2022, 5, 9)
    assert {c for c, p in medellin.items() if p.get("in_force_on")} == {"AD", "CU", "ES", "UY", "PY"}
    for signatory in ("AR", "BR", "CL", "CO", "PT", "BO", "EC"):
        assert "in_force_on" not in medellin[signatory], signatory
    assert medellin["AR"]["signed_on"] == date(2019, 7, 25)
    assert "PE" not in medellin


def test_managua_parties_are_nassau_parties_and_include_colombia_and_us(real_dataset):
    managua = parties(real_dataset, "MANAGUA1993")
    assert set(managua) == {"BR", "CL", "CO", "CZ", "EC", "HN", "PY", "UA", "US"}
    assert set(managua) <= set(parties(real_dataset, "NASSAU1992"))
    assert by_key(real_dataset, "instruments")["MANAGUA1993"].values["parent"] == "NASSAU1992"


def test_nassau_uruguay_and_venezuela_are_unverified(real_dataset):
    nassau = parties(real_dataset, "NASSAU1992")
    assert nassau["UY"]["verified"] is False
    assert nassau["VE"]["verified"] is False
    assert nassau["CO"]["verified"] is True and nassau["US"]["verified"] is True
    assert nassau["CO"]["dates_verified"] is False  # only the year is known


def test_eu_instruments_exclude_denmark_and_ireland(real_dataset):
    for code in ("EIO", "REG2018_1805"):
        assert set(parties(real_dataset, code)) == EU - {"DK", "IE"}, code
    assert set(parties(real_dataset, "EAW")) == EU


def test_un_conventions_bind_every_seeded_state(real_dataset):
    for code in ("UNTOC", "UNCAC", "VIENNA1988"):
        assert set(parties(real_dataset, code)) == LATIN_AMERICA | CARIBBEAN | EU | OTHERS, code


def test_refco_is_a_unodc_prosecutors_network_not_aiamp(real_dataset):
    refco = by_key(real_dataset, "networks")["REFCO"].values
    assert refco["kind"] == "prosecutors"
    assert refco["organisation"] == "UNODC"
    assert set(members(real_dataset, "REFCO")) == {"BZ", "CO", "CR", "DO", "SV", "GT", "HN", "MX", "NI", "PA"}
    assert by_key(real_dataset, "networks")["RFAI"].values["organisation"] == "AIAMP"


def test_only_iberred_carries_formal_requests(real_dataset):
    formal = {rec.key for rec in real_dataset.records["networks"] if rec.values["carries_formal_requests"]}
    assert formal == {"IBERRED"}


def test_el_paccto_networks_without_published_members_are_empty_and_flagged(real_dataset):
    for code in ("ELIPSIA", "UELLA", "REDCOPEN"):
        rec = by_key(real_dataset, "networks")[code]
        assert rec.values["members_published"] is False
        assert rec.values["verified"] is False
        assert rec.children == []


def test_deadline_rules_never_present_requested_dates_or_service_levels_as_law(real_dataset):
    rules = by_key(real_dataset, "deadline_rules")
    for rec in rules.values():
        if rec.values["unit"] in ("requested_date", "service_level"):
            assert rec.values["is_legal_limit"] is False, rec.key
    recognition = rules["EIO_RECOGNITION"].values
    assert (recognition["period"], recognition["extension_period"], recognition["unit"]) == (30, 30, "calendar_days")
    assert recognition["is_legal_limit"] is True and recognition["verified"] is True
    for flagged in ("EIO_INTERCEPT_NOTICE", "FREEZE_URGENT_DECISION", "EEVIDENCE_EPOC", "ARO_URGENT_FREEZE"):
        assert rules[flagged].values["verified"] is False, flagged
    assert rules["UN_REQUESTED"].values["unit"] == "requested_date"


def test_refusal_restrictions_encode_the_forbidden_grounds(real_dataset):
    grounds = by_key(real_dataset, "refusal_grounds")

    def restrictions(code):
        return {(c.values["kind"], c.values.get("instrument", "")) for c in grounds[code].children}

    assert restrictions("BANK_SECRECY") == {("never", "")}
    assert restrictions("TAX_OFFENCE") == {("not_between_parties", "MANAGUA1993"), ("not_solely", "UNTOC"), ("not_solely", "UNCAC")}
    assert restrictions("NO_DUAL_CRIMINALITY") >= {
        ("not_for_non_coercive", "UNCAC"), ("not_for_list_offences", "EIO"), ("not_for_list_offences", "REG2018_1805")
    }
    postponements = {code for code, rec in grounds.items() if rec.values["postponement"]}
    assert postponements == {"ONGOING_PROCEEDINGS", "OBJECTS_IN_USE_ELSEWHERE", "ALREADY_FROZEN"}


@pytest.mark.parametrize(("code", "iccs", "verified"), [("FIREARMS_TRAFFICKING", "09012", True), ("CUSTOMS_OFFENCE", "08041", True), ("MONEY_LAUNDERING", "07041", False)])
def test_offence_codes_confirmed_only_where_domain_confirms(real_dataset, code, iccs, verified):
    rec = by_key(real_dataset, "offences")[code]
    assert rec.values["iccs_code"] == iccs
    assert rec.values["verified"] is verified
    assert by_key(real_dataset, "offences")["TAX_OFFENCE"].values["fiscal"] is True


def test_measures_carry_the_coercive_flag(real_dataset):
    measures = by_key(real_dataset, "measures")
    assert measures["SEARCH_SEIZURE"].values["coercive"] is True
    assert measures["SERVICE_OF_DOCUMENTS"].values["coercive"] is False
    assert "NASSAU1992" in measures["FREEZE"].values["instruments"]


def test_roles_file_covers_every_role_code(real_dataset):
    assert {rec.key for rec in real_dataset.records["roles"]} == set(RoleCode.values)
