"""ETag and If-Match, built on the `version` every changeable model carries (coopcases.core.models.Versioned).

The ETag of a resource is `"v<version>"`. A write that sends `If-Match` is compared here first (a cheap 412) and
the version is then passed to the service as `expected_version`, which compares it again under the row lock.
Rows that are never changed (attachments, messages) have no version: their ETag is a digest of the caller's
representation (`"r<digest>"`). A detail GET whose `If-None-Match` names the current ETag answers 304.
"""

import hashlib
import json

from django.utils.translation import gettext as _

from coopcases.api.errors import ProblemException


def etag_for(obj) -> str:
    return etag_of(obj.version)


def etag_of(version: int) -> str:
    return f'"v{version}"'


def etag_of_representation(data) -> str:
    """The ETag of a resource without a version: what the caller sees, digested (so it differs per audience)."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return f'"r{hashlib.sha256(text.encode()).hexdigest()[:32]}"'


def not_modified(request, etag: str) -> bool:
    """Whether `If-None-Match` names `etag` (weak comparison, RFC 9110 13.1.2) or is `*`."""
    raw = request.headers.get("If-None-Match", "")
    tags = {tag.strip().removeprefix("W/") for tag in raw.split(",")}
    return "*" in tags or etag in tags


def _versions(raw: str) -> list[int]:
    versions = []
    for tag in raw.split(","):
        tag = tag.strip()
        if tag.startswith('"v') and tag.endswith('"') and tag[2:-1].isdigit():
            versions.append(int(tag[2:-1]))
    return versions  # weak tags (W/"…") never match: If-Match compares strongly (RFC 9110 13.1.1)


def expected_version(request, obj, *, required: bool) -> int | None:
    """The version the caller's `If-Match` names, if it is the current one; otherwise 412 (428 when required and absent).

    `*` matches any current version (returns None: no check under the lock)."""
    raw = request.headers.get("If-Match")
    if raw is None or not raw.strip():
        if required:
            raise ProblemException(
                428, _("Send If-Match with the ETag you last read: changes without it are refused."), "precondition_required",
                [{"name": "If-Match", "reason": _("required for this method"), "code": "required"}],
            )
        return None
    if raw.strip() == "*":
        return None
    if obj.version in _versions(raw):
        return obj.version
    raise ProblemException(
        412, _("The resource changed since you read it (its ETag is now %(etag)s). Read it again and retry.") % {"etag": etag_for(obj)},
        "precondition_failed", [{"name": "If-Match", "reason": _("does not match the current ETag"), "code": "stale"}],
        headers={"ETag": etag_for(obj)},
    )
