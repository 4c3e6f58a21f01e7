from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coopcases.deadlines.models import Deadline
from coopcases.deadlines.selectors import is_overdue, time_left
from networks.api.serializers import AuthorityRefSerializer


class SubjectSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="app_label.model of the object the deadline runs on, e.g. mla.mlarequest")
    id = serializers.CharField()


class DeadlineSerializer(serializers.ModelSerializer):
    subject = serializers.SerializerMethodField()
    rule = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    responsible_authority = AuthorityRefSerializer(read_only=True, allow_null=True)
    calendar_country = serializers.CharField(source="calendar_country_id", read_only=True, allow_null=True)
    overdue = serializers.SerializerMethodField()
    seconds_left = serializers.SerializerMethodField(help_text="Negative when overdue; a paused clock shows what it had left")

    class Meta:
        model = Deadline
        fields = [
            "id", "kind", "label", "is_legal_limit", "rule", "subject", "case", "responsible_authority",
            "calendar_country", "trigger_at", "due_at", "state", "overdue", "seconds_left", "paused_at",
            "escalated_at", "closed_at", "extension_reason", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def _now(self):
        return self.context.setdefault("now", timezone.now())

    @extend_schema_field(SubjectSerializer)
    def get_subject(self, obj) -> dict:
        return {"type": f"{obj.content_type.app_label}.{obj.content_type.model}", "id": obj.object_id}

    @extend_schema_field(serializers.BooleanField())
    def get_overdue(self, obj) -> bool:
        return is_overdue(obj, self._now())

    @extend_schema_field(serializers.IntegerField())
    def get_seconds_left(self, obj) -> int:
        return int(time_left(obj, self._now()).total_seconds())
