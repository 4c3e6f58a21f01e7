"""A demonstration asset file: `seed(stdout)`, called by the project's demo seeding; idempotent."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from cases.models import Case
from coopcases.accounts.models import Role, User
from coopcases.accounts.roles import RoleCode
from coopcases.core.context import Door, acting
from networks.models import Authority, AuthorityKind, Country, Network

from . import services

DEMO_REFERENCE = "DEMO-AR-1"


def _authority(country: Country, *kinds: str) -> Authority | None:
    for kind in kinds:
        found = Authority.objects.filter(country=country, kind=kind).order_by("pk").first()
        if found:
            return found
    return Authority.objects.filter(country=country).order_by("pk").first()


def _magistrate(authority: Authority) -> User:
    user = User.objects.filter(authority=authority, roles__code=RoleCode.LIAISON_MAGISTRATE, is_active=True).first()
    if user is None:
        user, _ = User.objects.get_or_create(username="demo.assets", defaults={"authority": authority})
        user.set_unusable_password()  # acts for the seeding only; people sign in with the demo users
        user.save()
        user.roles.add(Role.objects.get_or_create(code=RoleCode.LIAISON_MAGISTRATE)[0])
    return user


def seed(stdout) -> None:
    co, es = Country.objects.filter(code="CO").first(), Country.objects.filter(code="ES").first()
    lead = co and _authority(co, AuthorityKind.PROSECUTION, AuthorityKind.CENTRAL_AUTHORITY)
    court = es and _authority(es, AuthorityKind.COURT, AuthorityKind.PROSECUTION, AuthorityKind.CENTRAL_AUTHORITY)
    if not (lead and court):
        stdout.write("assets demo: skipped (no Colombian and Spanish authorities: load the reference data first)")
        return
    quiet = StringIO()
    call_command("load_exchange_rates", stdout=quiet)
    call_command("load_asset_rules", stdout=quiet)
    case, _ = Case.objects.get_or_create(
        lead_authority=lead, national_reference=DEMO_REFERENCE,
        defaults={"title": "Cocaine proceeds laundered through Spanish accounts and property"},
    )
    if case.assets.exists():
        stdout.write(f"assets demo: case {DEMO_REFERENCE} already has its asset file")
        return
    actor = _magistrate(lead)
    today = timezone.localdate()
    issued = today - timedelta(days=200)
    with acting(Door.COMMAND):
        account = services.asset_create(
            actor=actor, case=case, kind="account", description="Current account of the front company", location_state=es,
            identifiers={"iban": "ES9121000418450200051332", "bic": "CAIXESBBXXX"}, holder_name="Inversiones Atlántico SL",
            holder_type="legal_entity", estimated_amount="250000.00", estimated_currency="EUR", valuation_date=issued,
        )
        carin = Network.objects.filter(code__iexact="carin").first()
        if carin:
            services.order_add(actor=actor, asset=account, kind="tracing_enquiry", network=carin, issued_on=issued - timedelta(days=20),
                               answered_on=issued - timedelta(days=12), answer="Account confirmed; balance about EUR 250 000.")
        services.asset_transition(actor=actor, asset=account, action="trace")
        services.order_add(actor=actor, asset=account, kind="freezing", reference="AUTO-2025-117", issuing_authority=lead,
                           executing_state=es, executing_authority=court, issued_on=issued, effective_on=issued + timedelta(days=3),
                           renewal_due_on=issued + timedelta(days=365))
        services.asset_transition(actor=actor, asset=account, action="freeze")

        services.asset_create(
            actor=actor, case=case, kind="real_estate", description="Apartment in Marbella", location_state=es,
            identifiers={"land_registry_reference": "Registro de la Propiedad de Marbella nº 3, finca 41872"},
            holder_name="Inversiones Atlántico SL", holder_type="legal_entity", estimated_amount="850000.00",
            estimated_currency="EUR", valuation_date=issued,
        )
        services.asset_create(
            actor=actor, case=case, kind="crypto", description="Bitcoin held by the suspect", location_state=co,
            identifiers={"chain": "bitcoin", "address": "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "quantity": "1.2"},
            holder_name="J. P.", holder_type="natural_person", estimated_amount="60000.00", estimated_currency="USD",
            valuation_date=issued,
        )
        car = services.asset_create(
            actor=actor, case=case, kind="vehicle", description="Audi Q7", location_state=es,
            identifiers={"vin": "WAUZZZ4L78D012345", "registration_plate": "1234 KLM"}, holder_name="J. P.",
            holder_type="natural_person", estimated_amount="45000.00", estimated_currency="EUR", valuation_date=issued,
        )
        services.order_add(actor=actor, asset=car, kind="seizure", reference="AUTO-2025-118", issuing_authority=lead, executing_state=es,
                           executing_authority=court, issued_on=issued)
        services.asset_transition(actor=actor, asset=car, action="seize")
        services.order_add(actor=actor, asset=car, kind="confiscation", reference="SENT-2025-9", issuing_authority=lead, executing_state=es,
                           issued_on=issued + timedelta(days=90), proceeding_type="conviction_based", final=True)
        services.asset_transition(actor=actor, asset=car, action="confiscate")
        services.order_add(actor=actor, asset=car, kind="disposal", disposal_method="sale", realised_amount="38000.00",
                           realised_currency="EUR", issuing_authority=court, effective_on=issued + timedelta(days=150))
        car = services.asset_transition(actor=actor, asset=car, action="realise")
        agreement = services.agreement_create(
            actor=actor, case=case, kind="sharing", basis="case_specific", reference="ES-CO 2025/1", assets=[car],
            shares=[{"party": "ES", "percentage": "50"}, {"party": "CO", "percentage": "50"}],
            deductions=[{"description": "Storage and auction costs", "amount": "1200.00", "incurred_by": "ES"}],
        )
        services.agreement_validate(actor=actor, agreement=agreement)
        services.transfer_record(actor=actor, agreement=agreement, party="CO", amount="10000.00", currency="EUR", made_on=today)
    stdout.write(f"assets demo: case {DEMO_REFERENCE} with 4 assets, orders and a sharing agreement (acting as {actor.get_username()})")
