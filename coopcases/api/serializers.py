"""Serializer bases. Serializers check shape only (types, lengths, enums, known keys); services decide the rest."""

from datetime import date

from django.utils.translation import gettext as _
from rest_framework import serializers

from coopcases.accounts.policy import confidential_depends_on_object, visible_fields


class StrictSerializer(serializers.Serializer):
    """Refuses keys it does not declare (or declares read-only), each named in the 400 problem."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - writable)
            if unknown:
                raise serializers.ValidationError({name: [_("unknown or read-only field")] for name in unknown}, code="unknown_field")
        return super().to_internal_value(data)


class CodeRelatedField(serializers.SlugRelatedField):
    """A reference-data row by its `code` (countries, instruments, offences, networks…): a short string of
    printable characters, checked before it reaches a query."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "code")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or not data or len(data) > 80 or not data.isprintable():
            self.fail("invalid")
        return super().to_internal_value(data)


class TransitionRequestSerializer(StrictSerializer):
    """Body of `POST …/{id}/transitions/`: the action, a reason, and the action's own parameters as further keys.

    Each resource subclasses it: `action` becomes a ChoiceField of its workflow's actions and the parameters
    its actions take are declared as optional fields."""

    action = serializers.CharField(max_length=60, help_text="One of the actions listed by `GET …/transitions/`.")
    reason = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class AvailabilitySerializer(serializers.Serializer):
    action = serializers.CharField()
    label = serializers.CharField()
    allowed = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField(), help_text="Why it is not allowed now (empty when allowed).")
    reason_required = serializers.BooleanField()


class TransitionsSerializer(serializers.Serializer):
    state = serializers.CharField()
    transitions = AvailabilitySerializer(many=True)


class EventSerializer(serializers.Serializer):
    """One entry of an object's status history (`…/{id}/events/`); `sequence` is gapless per object."""

    id = serializers.IntegerField()
    sequence = serializers.IntegerField()
    at = serializers.DateTimeField()
    event_type = serializers.CharField(help_text="<object kind>.<action>, e.g. mla_request.approve")
    from_state = serializers.CharField(allow_blank=True)
    to_state = serializers.CharField(allow_blank=True)
    reason = serializers.CharField(allow_blank=True)
    authority = serializers.CharField(source="authority.code", allow_null=True, default=None)
    door = serializers.CharField(help_text="ui, admin, api, task or command")
    data = serializers.DictField()


EARLIEST_DATE, LATEST_DATE = date(1900, 1, 1), date(2199, 12, 31)


class PlausibleDateField(serializers.DateField):
    """A date from 1900 to 2199: far-off dates are typing errors, and date arithmetic on them would overflow."""

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        if not EARLIEST_DATE <= parsed <= LATEST_DATE:
            raise serializers.ValidationError(_("a date from %(first)s to %(last)s") % {"first": EARLIEST_DATE, "last": LATEST_DATE}, code="out_of_range")
        return parsed


class ConfidentialFieldsMixin:
    """Confidential fields (policy.yaml) come out as null to an actor who may only see the object, not its
    confidential content (e.g. a network contact point facilitating a request). Null, not absent: the schema stays
    one shape for every caller."""

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        actor = getattr(request, "user", None)
        if actor is None or not actor.is_authenticated or not confidential_depends_on_object(actor, instance._meta.label_lower):
            return data
        kept = set(visible_fields(actor, instance, data))
        return {key: (value if key in kept else None) for key, value in data.items()}
