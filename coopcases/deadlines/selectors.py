from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

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
