from coopcases.events.models import Event


def events_of(obj):
    """The status history of one object, oldest first."""
    return Event.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("sequence")


def case_timeline(case_id: int):
    """Events of everything linked to a case, newest first."""
    return Event.objects.filter(case_id=case_id).select_related("actor").order_by("-at", "-id")
