"""Identifiers checked per kind of asset: valid examples pass (normalised), invalid ones name field and rule."""

import pytest

from assets.identifiers import eip55, validate_identifiers, vin_check_digit
from coopcases.core.exceptions import ValidationFailed


def problems(kind, data):
    with pytest.raises(ValidationFailed) as failed:
        validate_identifiers(kind, data)
    return {(p.name, p.code) for p in failed.value.problems}


@pytest.mark.parametrize(
    ("kind", "data", "normalised", "reference"),
    [
        ("account", {"iban": "GB82 WEST 1234 5698 7654 32", "bic": "westgb2l"}, {"iban": "GB82WEST12345698765432", "bic": "WESTGB2L"}, "GB82WEST12345698765432"),
        ("account", {"iban": "ES9121000418450200051332"}, {"iban": "ES9121000418450200051332"}, "ES9121000418450200051332"),
        ("account", {"account_number": "000123456789", "bic": "CHASUS33"}, {"account_number": "000123456789", "bic": "CHASUS33"}, "000123456789"),
        ("real_estate", {"land_registry_reference": "Registro de la Propiedad de Marbella nº 3, finca 12345"}, None, "Registro de la Propiedad de Marbella nº 3, finca 12345"),
        ("vehicle", {"vin": "1m8gdm9axkp042788"}, {"vin": "1M8GDM9AXKP042788"}, "1M8GDM9AXKP042788"),
        ("vehicle", {"vin": "WVWZZZ1JZXW000001"}, None, "WVWZZZ1JZXW000001"),  # European VIN: no check digit
        ("vehicle", {"registration_plate": "1234 BCD"}, None, "1234 BCD"),
        ("vessel", {"imo": "IMO 9074729", "flag_state": "pa"}, {"imo": "9074729", "flag_state": "PA"}, "9074729"),
        ("aircraft", {"registration_mark": "ec-mxv"}, {"registration_mark": "EC-MXV"}, "EC-MXV"),
        ("aircraft", {"registration_mark": "N123AB"}, None, "N123AB"),
        ("aircraft", {"registration_mark": "HK-4567"}, None, "HK-4567"),
        ("company", {"name": "Inversiones X SAS", "lei": "5493001KJTIIGC8Y1R12", "ownership_percentage": "51"}, None, "5493001KJTIIGC8Y1R12"),
        ("securities", {"isin": "US0378331005", "quantity": "100"}, None, "US0378331005"),
        ("crypto", {"chain": "bitcoin", "address": "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"}, None, "bitcoin:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"),
        ("crypto", {"chain": "bitcoin", "address": "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"}, None, "bitcoin:3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"),
        ("crypto", {"chain": "bitcoin", "address": "BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ"}, {"chain": "bitcoin", "address": "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"}, "bitcoin:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"),
        # Taproot (BIP-350 Bech32m), which stdnum alone refuses
        ("crypto", {"chain": "bitcoin", "address": "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"}, None, "bitcoin:bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"),
        ("crypto", {"chain": "tron", "address": "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "token": "USDT"}, None, "tron:TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"),
        ("crypto", {"chain": "ethereum", "address": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"}, None, "ethereum:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"),
        ("crypto", {"chain": "ethereum", "address": "0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359"}, {"chain": "ethereum", "address": "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"}, "ethereum:0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359"),
        ("crypto", {"exchange": "Binance", "exchange_account": "user 778899"}, None, "user 778899"),
        ("cash", {"where_held": "Safe at the Guardia Civil, Algeciras"}, None, ""),
        ("other", {}, {}, ""),
    ],
)
def test_valid_identifiers_are_normalised(kind, data, normalised, reference):
    clean, ref = validate_identifiers(kind, data)
    if normalised is not None:
        assert clean == normalised
    assert ref == reference


@pytest.mark.parametrize(
    ("kind", "data", "expected"),
    [
        ("account", {"iban": "GB82WEST12345698765431"}, ("identifiers.iban", "checksum")),
        ("account", {"iban": "GB82WEST1234569876543"}, ("identifiers.iban", "checksum")),
        ("account", {"iban": "GB82WEST12345698765432", "bic": "DEUT1EFF"}, ("identifiers.bic", "format")),
        ("account", {"bic": "DEUTDEFF"}, ("identifiers.iban", "required")),
        ("account", {"iban": "GB82WEST12345698765432", "pin": "1234"}, ("identifiers.pin", "unknown_identifier")),
        ("real_estate", {"address": "Calle Mayor 1, Madrid"}, ("identifiers.land_registry_reference", "required")),
        ("vehicle", {"vin": "1M8GDM9A1KP042788"}, ("identifiers.vin", "checksum")),
        ("vehicle", {"vin": "1M8GDM9AXKP04278O"}, ("identifiers.vin", "format")),
        ("vehicle", {"make_model": "Audi Q7"}, ("identifiers.vin", "required")),
        ("vessel", {"imo": "9074728"}, ("identifiers.imo", "checksum")),
        ("vessel", {"imo": "9074729", "flag_state": "QQ"}, ("identifiers.flag_state", "unknown_country")),
        ("aircraft", {"registration_mark": "EC_MXV"}, ("identifiers.registration_mark", "format")),
        ("company", {"lei": "5493001KJTIIGC8Y1R12"}, ("identifiers.name", "required")),
        ("company", {"name": "X", "ownership_percentage": "120"}, ("identifiers.ownership_percentage", "range")),
        ("securities", {"isin": "US0378331006"}, ("identifiers.isin", "checksum")),
        ("crypto", {"chain": "bitcoin", "address": "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb"}, ("identifiers.address", "checksum")),
        ("crypto", {"chain": "bitcoin", "address": "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdp"}, ("identifiers.address", "checksum")),
        # BIP-350 test vector: a v1 program with a Bech32 (v0) checksum instead of Bech32m.
        ("crypto", {"chain": "bitcoin", "address": "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd"}, ("identifiers.address", "checksum")),
        ("crypto", {"chain": "bitcoin", "address": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"}, ("identifiers.address", "format")),
        ("crypto", {"chain": "tron", "address": "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u"}, ("identifiers.address", "checksum")),
        ("crypto", {"chain": "ethereum", "address": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"}, ("identifiers.address", "checksum")),
        ("crypto", {"chain": "ethereum", "address": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeA"}, ("identifiers.address", "format")),
        ("crypto", {"address": "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"}, ("identifiers.address", "chain_required")),
        ("crypto", {"chain": "dogecoin", "address": "D8x"}, ("identifiers.chain", "unknown_chain")),
        ("cash", {"where_held": 12}, ("identifiers.where_held", "invalid")),
    ],
)
def test_invalid_identifiers_are_refused_naming_the_rule(kind, data, expected):
    assert expected in problems(kind, data)


def test_every_problem_is_reported_at_once():
    assert problems("account", {"iban": "GB82WEST12345698765431", "bic": "XX"}) == {
        ("identifiers.iban", "checksum"),
        ("identifiers.bic", "length"),
    }


def test_vin_check_digit_follows_iso_3779_weights():
    assert vin_check_digit("1M8GDM9A_KP042788".replace("_", "0")) == "X"
    assert vin_check_digit("11111111111111111") == "1"


@pytest.mark.parametrize(
    "address",
    ["0x52908400098527886E0F7030069857D2E4169EE7", "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"],
)
def test_eip55_vectors_from_the_eip(address):
    assert eip55(address[2:].lower()) == address
