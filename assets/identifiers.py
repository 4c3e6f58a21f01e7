"""Identifiers of an asset, checked per kind.

Checks come from python-stdnum where it has one (IBAN ISO 13616, BIC ISO 9362, IMO number, ISIN ISO 6166,
LEI ISO 17442, Bitcoin Base58Check and Bech32) and are written here where it has none, each a published
algorithm small enough to read:
- VIN (ISO 3779): 17 characters without I, O, Q; the check digit in position 9 is verified for vehicles made
  for North America (first character 1–5) and China (L), where it is mandatory; elsewhere it is optional.
- Bitcoin Bech32m (BIP-350) for witness version 1 and above (Taproot), which stdnum does not cover.
- Tron: Base58Check, 25 bytes with version byte 0x41.
- Ethereum and EVM chains: 0x + 40 hex digits; a mixed-case address must carry a valid EIP-55 checksum
  (Keccak-256 from pycryptodome); an all-lower or all-upper address has no checksum to verify.
- Aircraft registration: the ICAO Annex 7 shape (nationality mark, hyphen, registration mark; US N-numbers),
  a pattern only: no register is consulted.
- Land registry references differ per state: free text, required for real estate.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import pycountry
from Crypto.Hash import keccak
from django.utils.translation import gettext_lazy as _
from stdnum import bic, iban, imo, isin, lei
from stdnum import bitcoin as stdnum_bitcoin
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError

from coopcases.core.exceptions import FieldProblem, ValidationFailed


class IdentifierInvalid(Exception):
    def __init__(self, reason: str, code: str = "invalid"):
        super().__init__(reason)
        self.reason, self.code = reason, code


def _stdnum(module, what: str) -> Callable[[str, dict], str]:
    def check(value: str, data: dict) -> str:
        try:
            return module.validate(value)
        except InvalidChecksum:
            raise IdentifierInvalid(f"{what}: the check digits are wrong", "checksum") from None
        except InvalidLength:
            raise IdentifierInvalid(f"{what}: wrong length", "length") from None
        except ValidationError:
            raise IdentifierInvalid(f"{what}: invalid format", "format") from None

    return check


def check_iban(value: str, data: dict) -> str:
    return _stdnum(iban, "IBAN (ISO 13616)")(value, data)


def check_bic(value: str, data: dict) -> str:
    return _stdnum(bic, "BIC (ISO 9362)")(value, data)


def check_imo(value: str, data: dict) -> str:
    return _stdnum(imo, "IMO ship number")(value, data)


def check_isin(value: str, data: dict) -> str:
    return _stdnum(isin, "ISIN (ISO 6166)")(value, data)


def check_lei(value: str, data: dict) -> str:
    return _stdnum(lei, "LEI (ISO 17442)")(value, data)


_VIN_RE = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
_VIN_VALUES = {**{str(d): d for d in range(10)}, **dict(zip("ABCDEFGH", range(1, 9), strict=True))}
_VIN_VALUES.update(dict(zip("JKLMN", range(1, 6), strict=True)) | {"P": 7, "R": 9})
_VIN_VALUES.update(dict(zip("STUVWXYZ", range(2, 10), strict=True)))
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_VIN_CHECK_DIGIT_REGIONS = "12345L"  # North America (49 CFR 565) and China (GB 16735)


def vin_check_digit(vin: str) -> str:
    remainder = sum(_VIN_VALUES[c] * w for c, w in zip(vin, _VIN_WEIGHTS, strict=True)) % 11
    return "X" if remainder == 10 else str(remainder)


def check_vin(value: str, data: dict) -> str:
    vin = re.sub(r"[\s-]", "", value).upper()
    if not _VIN_RE.match(vin):
        raise IdentifierInvalid("VIN (ISO 3779): 17 letters and digits, without I, O or Q", "format")
    if vin[0] in _VIN_CHECK_DIGIT_REGIONS and vin[8] != vin_check_digit(vin):
        raise IdentifierInvalid("VIN (ISO 3779): the check digit in position 9 is wrong", "checksum")
    return vin


_AIRCRAFT_RE = re.compile(r"^(N[1-9][0-9]{0,4}[A-HJ-NP-Z]{0,2}|[A-Z0-9]{1,2}-[A-Z0-9]{1,5}|[A-Z]{2}[0-9]{3,4})$")


def check_aircraft_registration(value: str, data: dict) -> str:
    mark = value.strip().upper()
    if not _AIRCRAFT_RE.match(mark) or len(mark.replace("-", "")) > 7:
        raise IdentifierInvalid(
            "aircraft registration: nationality mark, hyphen and registration mark (EC-ABC, PR-XYZ, HK-1234, N123AB)",
            "format",
        )
    return mark


def check_country(value: str, data: dict) -> str:
    code = value.strip().upper()
    if pycountry.countries.get(alpha_2=code) is None:
        raise IdentifierInvalid("country: an ISO 3166-1 alpha-2 code", "unknown_country")
    return code


def check_percentage(value: str, data: dict) -> str:
    try:
        pct = Decimal(value)
    except InvalidOperation:
        raise IdentifierInvalid("a percentage such as 25 or 12.5", "format") from None
    if not pct.is_finite() or not 0 < pct <= 100:
        raise IdentifierInvalid("a percentage above 0 and at most 100", "range")
    return str(pct)


def check_quantity(value: str, data: dict) -> str:
    try:
        quantity = Decimal(value)
    except InvalidOperation:
        raise IdentifierInvalid("a decimal quantity such as 0.5", "format") from None
    if not quantity.is_finite() or quantity < 0:
        raise IdentifierInvalid("a quantity cannot be negative", "range")
    return str(quantity)


# --- crypto-asset addresses ---------------------------------------------------------------------------------

_BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BECH32_ALPHABET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32M_CONST = 0x2BC830A3  # BIP-350


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _check_segwit(address: str) -> str:
    """BIP-173 (witness v0, Bech32) and BIP-350 (v1+, Bech32m) for mainnet `bc1` addresses."""
    if address != address.lower() and address != address.upper():
        raise IdentifierInvalid("Bitcoin address: mixed case is not allowed in Bech32", "format")
    address = address.lower()
    data_part = address[3:]
    if not 14 <= len(address) <= 90 or any(c not in _BECH32_ALPHABET for c in data_part) or len(data_part) < 7:
        raise IdentifierInvalid("Bitcoin address: invalid Bech32 format", "format")
    data = [_BECH32_ALPHABET.index(c) for c in data_part]
    version = data[0]
    expected = 1 if version == 0 else _BECH32M_CONST
    if stdnum_bitcoin.bech32_checksum(_hrp_expand("bc") + data) != expected:
        raise IdentifierInvalid("Bitcoin address: the Bech32 checksum is wrong", "checksum")
    try:
        program = stdnum_bitcoin.b32decode(data[1:-6])
    except ValidationError:
        raise IdentifierInvalid("Bitcoin address: invalid witness program", "format") from None
    if version > 16 or not 2 <= len(program) <= 40 or (version == 0 and len(program) not in (20, 32)):
        raise IdentifierInvalid("Bitcoin address: invalid witness program length", "length")
    return address


def check_bitcoin_address(value: str) -> str:
    address = value.strip()
    if address[:3].lower() == "bc1":
        return _check_segwit(address)
    if address[:1] in ("1", "3"):
        return _stdnum(stdnum_bitcoin, "Bitcoin address (Base58Check)")(address, {})
    raise IdentifierInvalid("Bitcoin address: starts with 1, 3 or bc1 (mainnet)", "format")


def _base58check_payload(address: str) -> bytes:
    if any(c not in _BASE58_ALPHABET for c in address):
        raise IdentifierInvalid("invalid Base58 characters", "format")
    raw = stdnum_bitcoin.b58decode(address)
    if len(raw) < 5 or hashlib.sha256(hashlib.sha256(raw[:-4]).digest()).digest()[:4] != raw[-4:]:
        raise IdentifierInvalid("the Base58Check checksum is wrong", "checksum")
    return raw[:-4]


def check_tron_address(value: str) -> str:
    address = value.strip()
    if not address.startswith("T") or len(address) != 34:
        raise IdentifierInvalid("Tron address: 34 characters starting with T", "format")
    try:
        payload = _base58check_payload(address)
    except IdentifierInvalid as problem:
        raise IdentifierInvalid(f"Tron address: {problem.reason}", problem.code) from None
    if len(payload) != 21 or payload[0] != 0x41:
        raise IdentifierInvalid("Tron address: wrong version byte or length", "format")
    return address


def eip55(address_hex: str) -> str:
    """The EIP-55 mixed-case checksum form of a 40-digit hex address (without 0x)."""
    lower = address_hex.lower()
    digest = keccak.new(digest_bits=256, data=lower.encode()).hexdigest()
    return "0x" + "".join(c.upper() if c.isalpha() and int(digest[i], 16) >= 8 else c for i, c in enumerate(lower))


_ETH_RE = re.compile(r"^0x[0-9a-fA-F]{40}$")


def check_ethereum_address(value: str) -> str:
    address = value.strip()
    if not _ETH_RE.match(address):
        raise IdentifierInvalid("Ethereum address: 0x followed by 40 hexadecimal digits", "format")
    body = address[2:]
    checksummed = eip55(body)
    if body != body.lower() and body != body.upper() and address != checksummed:
        raise IdentifierInvalid("Ethereum address: the EIP-55 mixed-case checksum is wrong", "checksum")
    return checksummed


CHAINS: dict[str, Callable[[str], str] | None] = {
    "bitcoin": check_bitcoin_address,
    "ethereum": check_ethereum_address,  # also EVM-compatible chains, which share the format
    "tron": check_tron_address,
    "other": None,  # no format known: kept as given, the description names the chain
}


def check_chain(value: str, data: dict) -> str:
    chain = value.strip().lower()
    if chain not in CHAINS:
        raise IdentifierInvalid(f"chain: one of {', '.join(CHAINS)}", "unknown_chain")
    return chain


def check_crypto_address(value: str, data: dict) -> str:
    chain = str(data.get("chain", "")).strip().lower()
    if chain not in CHAINS:
        raise IdentifierInvalid("address: give the chain first (bitcoin, ethereum, tron or other)", "chain_required")
    check = CHAINS[chain]
    return check(value) if check else value.strip()


# --- the table per kind -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Identifier:
    name: str
    label: str
    check: Callable[[str, dict], str] | None = None
    max_length: int = 200


@dataclass(frozen=True)
class KindSpec:
    identifiers: tuple[Identifier, ...]
    required: tuple[tuple[str, ...], ...] = ()  # each group: at least one of these names must be given
    reference: tuple[str, ...] = ()  # the main identifier, first given of these; prefixed for crypto by the chain

    def names(self) -> list[str]:
        return [i.name for i in self.identifiers]


_FREE = None
_MAX_RAW_LENGTH = 500  # before normalisation (spaces in an IBAN); the normalised value has its own limit
SPECS: dict[str, KindSpec] = {
    "account": KindSpec(
        (
            Identifier("iban", _("IBAN"), check_iban, 34),
            Identifier("account_number", _("Account number (where there is no IBAN)"), _FREE, 64),
            Identifier("bic", _("BIC"), check_bic, 11),
            Identifier("institution", _("Bank or payment institution")),
        ),
        required=(("iban", "account_number"),),
        reference=("iban", "account_number"),
    ),
    "real_estate": KindSpec(
        (
            Identifier("land_registry_reference", _("Land registry reference")),
            Identifier("address", _("Address"), _FREE, 500),
        ),
        required=(("land_registry_reference",),),
        reference=("land_registry_reference",),
    ),
    "vehicle": KindSpec(
        (
            Identifier("vin", _("Vehicle identification number (VIN)"), check_vin, 17),
            Identifier("registration_plate", _("Registration plate"), _FREE, 20),
            Identifier("make_model", _("Make and model")),
        ),
        required=(("vin", "registration_plate"),),
        reference=("vin", "registration_plate"),
    ),
    "vessel": KindSpec(
        (
            Identifier("imo", _("IMO number"), check_imo, 12),
            Identifier("registration", _("Registration / official number"), _FREE, 50),
            Identifier("name", _("Vessel name")),
            Identifier("flag_state", _("Flag state (ISO 3166-1 alpha-2)"), check_country, 2),
        ),
        required=(("imo", "registration"),),
        reference=("imo", "registration"),
    ),
    "aircraft": KindSpec(
        (
            Identifier("registration_mark", _("Registration mark"), check_aircraft_registration, 10),
            Identifier("serial_number", _("Manufacturer serial number"), _FREE, 50),
            Identifier("aircraft_type", _("Aircraft type")),
        ),
        required=(("registration_mark", "serial_number"),),
        reference=("registration_mark", "serial_number"),
    ),
    "company": KindSpec(
        (
            Identifier("name", _("Company name"), _FREE, 300),
            Identifier("registration_number", _("Company registration number"), _FREE, 50),
            Identifier("lei", _("Legal entity identifier (LEI)"), check_lei, 20),
            Identifier("ownership_percentage", _("Percentage of shares held"), check_percentage, 10),
        ),
        required=(("name",),),
        reference=("lei", "registration_number"),
    ),
    "crypto": KindSpec(
        (
            Identifier("chain", _("Chain"), check_chain, 20),
            Identifier("address", _("Address"), check_crypto_address, 120),
            Identifier("exchange", _("Exchange or custodian")),
            Identifier("exchange_account", _("Account at the exchange"), _FREE, 100),
            Identifier("quantity", _("Quantity of tokens"), check_quantity, 40),
            Identifier("token", _("Token (BTC, ETH, USDT…)"), _FREE, 20),
        ),
        required=(("address", "exchange_account"),),
        reference=("address", "exchange_account"),
    ),
    "cash": KindSpec((Identifier("where_held", _("Where it is held"), _FREE, 300),)),
    "securities": KindSpec(
        (
            Identifier("isin", _("ISIN"), check_isin, 12),
            Identifier("custodian", _("Custodian")),
            Identifier("securities_account", _("Securities account"), _FREE, 64),
            Identifier("quantity", _("Quantity"), check_quantity, 40),
        ),
        required=(("isin", "securities_account"),),
        reference=("isin", "securities_account"),
    ),
    "valuables": KindSpec((Identifier("where_held", _("Where it is held"), _FREE, 300),)),
    "other": KindSpec((Identifier("reference", _("Reference"), _FREE, 200),), reference=("reference",)),
}


def validate_identifiers(kind: str, data) -> tuple[dict, str]:
    """Normalised identifiers for `kind` and the main reference (used to find the same asset twice in a case).

    Raises ValidationFailed naming every wrong identifier as `identifiers.<name>`.
    """
    spec = SPECS[kind]
    if not isinstance(data, dict):
        raise ValidationFailed("Identifiers must be given as names and values.", [FieldProblem("identifiers", "not an object", "invalid")])
    given = {k: v for k, v in data.items() if v not in (None, "")}
    problems: list[FieldProblem] = []
    unknown = sorted(set(given) - set(spec.names()))
    for name in unknown:
        problems.append(FieldProblem(f"identifiers.{name}", f"not an identifier of this kind; known: {', '.join(spec.names())}", "unknown_identifier"))
    clean: dict[str, str] = {}
    for ident in spec.identifiers:
        if ident.name not in given:
            continue
        value = given[ident.name]
        if not isinstance(value, str):
            problems.append(FieldProblem(f"identifiers.{ident.name}", "must be text", "invalid"))
            continue
        value = value.strip()
        if len(value) > _MAX_RAW_LENGTH:
            problems.append(FieldProblem(f"identifiers.{ident.name}", f"at most {ident.max_length} characters", "too_long"))
            continue
        try:
            clean[ident.name] = ident.check(value, {**given, **clean}) if ident.check else value
        except IdentifierInvalid as invalid:
            problems.append(FieldProblem(f"identifiers.{ident.name}", invalid.reason, invalid.code))
            continue
        if len(clean[ident.name]) > ident.max_length:
            problems.append(FieldProblem(f"identifiers.{ident.name}", f"at most {ident.max_length} characters", "too_long"))
    for group in spec.required:
        if not any(name in given for name in group):
            labels = " or ".join(str(i.label) for i in spec.identifiers if i.name in group)
            problems.append(FieldProblem(f"identifiers.{group[0]}", f"required for this kind of asset: {labels}", "required"))
    if problems:
        raise ValidationFailed("Some identifiers of the asset are missing or invalid.", problems)
    return clean, reference_of(kind, clean)


def reference_of(kind: str, clean: dict) -> str:
    for name in SPECS[kind].reference:
        if clean.get(name):
            value = clean[name]
            if kind == "crypto" and name == "address":
                return f"{clean['chain']}:{value.lower() if clean['chain'] == 'ethereum' else value}"
            return value
    return ""
