"""Writes of the web UI itself: the user's language and time zone."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from coopcases.audit.services import audit_record
from coopcases.core.exceptions import FieldProblem, ValidationFailed

LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)


def user_preferences_set(*, actor, language: str | None = None, time_zone: str | None = None):
    """Set the actor's preferred language and/or time zone (used for every page and e-mail they get).

    language "" means the browser's language (and the site's for e-mails)."""
    problems = []
    if language and language not in LANGUAGE_CODES:
        problems.append(FieldProblem("language", _("unknown language"), "invalid"))
    if time_zone is not None and time_zone not in zoneinfo.available_timezones():
        problems.append(FieldProblem("time_zone", _("unknown time zone"), "invalid"))
    if problems:
        raise ValidationFailed(_("The preferences cannot be saved."), problems)
    with transaction.atomic(durable=True):
        before = {"preferred_language": actor.preferred_language, "time_zone": actor.time_zone}
        if language is not None:
            actor.preferred_language = language
        if time_zone is not None:
            actor.time_zone = time_zone
        actor.save(update_fields=["preferred_language", "time_zone"])
        after = {"preferred_language": actor.preferred_language, "time_zone": actor.time_zone}
        audit_record(actor=actor, action="update", obj=actor, before=before, after=after)
    return actor
