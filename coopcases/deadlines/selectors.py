from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.module_loading import import_string

from coopcases.accounts.roles import RoleCode
from coopcases.deadlines.models import Deadline, DeadlineState


def deadlines_of(subject):
    return Deadline.objects.filter(content_type=ContentType.objects.get_for_model(subject), object_id=str(subject.pk))


def time_left(deadline: Deadline, now=None):
    """Remaining time (negative when overdue); a paused clock shows what it had left when paused."""
    now = now or timezone.now()
    reference = deadline.paused_at if deadline.state == DeadlineState.PAUSED else now
    return deadline.due_at - reference


def is_overdue(deadline: Deadline, now=None) -> bool:
    return deadline.state in (DeadlineState.OPEN, DeadlineState.MISSED) and time_left(deadline, now).total_seconds() < 0


# The objects deadlines run on, each with the selector of who may see it: a deadline is visible with its subject.
SUBJECT_SELECTORS = {
    "mla.mlarequest": "requests.selectors.mla_requests_visible_to",
    "cases.jointinvestigationteam": "cases.selectors.jits_visible_to",
    "assets.assetorder": "assets.selectors.asset_orders_visible_to",
}


def deadlines_visible_to(actor):
    """One SQL predicate: for each subject type, the subject's id among those the actor may see."""
    qs = Deadline.objects.all()
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return qs.none()
    if actor.is_superuser or actor.has_role(RoleCode.AUDITOR):
        return qs
    predicate = Q(pk__in=[])
    for label, selector in SUBJECT_SELECTORS.items():
        app_label, model = label.split(".")
        content_type = ContentType.objects.get_by_natural_key(app_label, model)
        visible = import_string(selector)(actor).annotate(subject_key=Cast("pk", CharField())).values("subject_key")
        predicate |= Q(content_type=content_type, object_id__in=visible)
    return qs.filter(predicate)


def overdue_q(now=None) -> Q:
    """The SQL form of `is_overdue`: open or missed, and past due."""
    return Q(state__in=[DeadlineState.OPEN, DeadlineState.MISSED], due_at__lt=now or timezone.now())
