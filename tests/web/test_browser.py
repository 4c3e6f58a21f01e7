"""A person's path through the UI and the admin, in headless Chromium against a live server on PostgreSQL:
the magistrate files and submits, the central authority approves and transmits in the admin, the requested side
acknowledges and has it executed, and the magistrate sees every step on the timeline."""

import re

import pytest
from playwright.sync_api import expect

from requests.models import MlaRequest
from requests.models import MlaRequestState as S

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-browser-test-password"  # noqa: S105


def _people(world):
    people = {
        "magistrate": world.user("magistrate:pe-fecor"),
        "requesting_ca": world.user("ca:pe-fn"),
        "requested_ca": world.user("ca:es-mjusticia"),
        "executing": world.user("exec:es-anticorrupcion"),
    }
    for user in people.values():
        user.set_password(PASSWORD)
        user.save()
    people["requesting_ca"].is_staff = True
    people["requesting_ca"].save()
    return people


def _file_draft(page, title: str, labels: dict) -> None:
    page.goto("/requests/new/")
    page.get_by_label(labels["title"], exact=True).fill(title)
    page.get_by_label(labels["requested_state"]).select_option("ES")
    page.get_by_label("UNTOC", exact=True).check()
    page.get_by_label(labels["language"]).select_option("es")
    page.locator("input[name=offences][value=MONEY_LAUNDERING]").check()
    page.get_by_label(labels["subject"]).fill("Investigación 123-2026, Fiscalía Especializada contra la Criminalidad Organizada")
    page.get_by_label(labels["facts"]).fill("Proceeds of drug trafficking laundered through Spanish accounts.")
    page.get_by_label(labels["purpose"], exact=True).fill("To trace the proceeds.")
    # The routing advice and the checklist follow the form (htmx partial).
    expect(page.locator("#assist")).to_contain_text("UNTOC")


def test_request_from_filing_to_execution(world, open_page, screenshot):
    people = _people(world)
    magistrate = open_page(people["magistrate"], PASSWORD)
    screenshot(magistrate, "dashboard")
    _file_draft(magistrate, "Cuentas de la Operación Lavandería", {
        "title": "Title", "requested_state": "Requested state", "language": "Language of the request",
        "subject": "Subject and nature of the proceedings", "facts": "Summary of the relevant facts", "purpose": "Purpose",
    })
    expect(magistrate.locator("#assist")).to_contain_text("Instruments binding both states")
    screenshot(magistrate, "filing-form")
    magistrate.get_by_role("button", name="Save draft").click()
    expect(magistrate.locator("#request-state")).to_have_text("draft")
    req = MlaRequest.objects.get(title="Cuentas de la Operación Lavandería")

    magistrate.get_by_label("Measure", exact=True).select_option("RECORDS")
    magistrate.get_by_label("What exactly is sought").fill("Statements of accounts 2022–2025")
    magistrate.get_by_role("button", name="Add the measure").click()
    magistrate.get_by_label("Role").select_option("suspect")
    magistrate.get_by_label("Name", exact=True).fill("Juan Pérez")
    magistrate.get_by_role("button", name="Add the person").click()
    magistrate.get_by_role("button", name="Submit to the central authority").click()
    expect(magistrate.locator("#request-state")).to_have_text("submitted to the central authority")

    officer = open_page(people["requesting_ca"], PASSWORD)
    officer.goto("/admin/mla/awaitingdecision/")
    expect(officer.locator("#result_list")).to_contain_text(req.reference)
    screenshot(officer, "admin-approval-queue")
    officer.locator(f"input[name=_selected_action][value='{req.pk}']").check()
    officer.locator("select[name=action]").select_option("approve")
    officer.locator("button[name=index], input[name=index]").first.click()
    officer.get_by_label("Reason").fill("Complete and well founded.")
    officer.locator("input[type=submit][value='Approve']").click()
    expect(officer.locator(".messagelist")).to_contain_text("1 request(s)")
    officer.goto("/admin/mla/mlarequest/")
    officer.locator(f"input[name=_selected_action][value='{req.pk}']").check()
    officer.locator("select[name=action]").select_option("transmit")
    officer.locator("button[name=index], input[name=index]").first.click()
    officer.locator("input[type=submit][value='Transmit to the requested state']").click()
    req.refresh_from_db()
    assert req.state == S.TRANSMITTED

    requested = open_page(people["requested_ca"], PASSWORD)
    requested.goto(f"/requests/{req.pk}/")
    requested.get_by_role("button", name="Acknowledge receipt").click()
    expect(requested.locator("#request-state")).to_have_text("received by the requested side")
    requested.get_by_label("Executing authority").select_option(label="Fiscalía contra la Corrupción y la Criminalidad Organizada (ES)")
    requested.get_by_role("button", name="Assign the executing authority").click()
    expect(requested.locator("#request-state")).to_have_text("in execution")

    executing = open_page(people["executing"], PASSWORD)
    executing.goto(f"/requests/{req.pk}/")
    executing.get_by_label("Outcome", exact=True).select_option("executed")
    executing.get_by_label("Details of the outcome").fill("Statements obtained from two banks.")
    executing.get_by_role("button", name="Record the outcome").click()
    executing.get_by_role("button", name="Mark executed").click()
    expect(executing.locator("#request-state")).to_have_text("executed")

    magistrate.goto(f"/requests/{req.pk}/")
    timeline = magistrate.locator(".timeline")
    for step in ("Submit to the central authority", "Approve", "Transmit to the requested state", "Acknowledge receipt",
                 "Assign the executing authority", "Mark executed"):
        expect(timeline).to_contain_text(step)
    screenshot(magistrate, "request-page")
    magistrate.goto("/notifications/")
    screenshot(magistrate, "notifications")
    magistrate.goto("/search/?q=Lavander")
    expect(magistrate.locator("main")).to_contain_text(req.reference)
    screenshot(magistrate, "search")


def test_filing_in_spanish(world, open_page, screenshot):
    people = _people(world)
    page = open_page(people["magistrate"], PASSWORD, locale="es-ES")
    page.keyboard.press("Tab")  # the first stop is the skip link, which moves focus to the content
    expect(page.locator("a.skip")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#content")).to_be_focused()
    expect(page.locator("h1")).to_have_text("Panel de control")  # a Spanish browser, and no preferred language yet
    page.get_by_label("Idioma").select_option("es")
    page.get_by_role("button", name="Cambiar de idioma").click()
    expect(page.locator("h1")).to_have_text("Panel de control")
    _file_draft(page, "Cuentas de la Operación Lavandería", {
        "title": "Título", "requested_state": "Estado requerido", "language": "Idioma de la solicitud",
        "subject": "Objeto y naturaleza del procedimiento", "facts": "Resumen de los hechos pertinentes", "purpose": "Finalidad",
    })
    expect(page.locator("#assist")).to_contain_text("Instrumentos que vinculan a ambos Estados")
    screenshot(page, "filing-form-es")
    page.get_by_role("button", name="Guardar borrador").click()
    expect(page.locator("#request-state")).to_have_text("borrador")
    expect(page.locator("html")).to_have_attribute("lang", re.compile("^es"))
    screenshot(page, "request-page-es")
