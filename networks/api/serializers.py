"""Read-only representations of the reference world. Legal facts carry their `source` and `verified` flag."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from networks.models import Authority, Country, Instrument, InstrumentParty, Membership, Network


class NamesSerializer(serializers.Serializer):
    en = serializers.CharField(source="name_en")
    es = serializers.CharField(source="name_es")
    pt = serializers.CharField(source="name_pt")
    fr = serializers.CharField(source="name_fr")


class CountryRefSerializer(serializers.ModelSerializer):
    """A country named where it is referred to, so clients need no second call."""

    name = serializers.CharField(read_only=True)

    class Meta:
        model = Country
        fields = ["code", "name"]


class AuthorityRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Authority
        fields = ["id", "code", "name"]


class CountrySerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    names = NamesSerializer(source="*", read_only=True)

    class Meta:
        model = Country
        fields = [
            "code", "code3", "name", "names", "region", "official_languages", "accepted_languages",
            "accepted_languages_source", "accepted_languages_verified", "time_zone", "source", "verified",
        ]  # fmt: skip


class AuthoritySerializer(serializers.ModelSerializer):
    country = CountryRefSerializer(read_only=True)
    parent = AuthorityRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Authority
        fields = [
            "id", "code", "name", "name_en", "kind", "country", "parent", "designated_central_authority",
            "email", "phone", "address", "website", "languages", "source", "verified",
        ]  # fmt: skip


class MembershipSerializer(serializers.ModelSerializer):
    country = CountryRefSerializer(read_only=True)
    authority = AuthorityRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Membership
        fields = ["country", "authority", "status", "valid_from", "valid_to", "source", "verified"]


class NetworkSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    names = NamesSerializer(source="*", read_only=True)
    members = MembershipSerializer(source="memberships", many=True, read_only=True)

    class Meta:
        model = Network
        fields = [
            "code", "acronym", "name", "names", "kind", "carries_formal_requests", "request_kinds", "organisation",
            "members_published", "secretariat", "description", "website", "members", "source", "verified",
        ]  # fmt: skip


class InstrumentPartySerializer(serializers.ModelSerializer):
    country = CountryRefSerializer(read_only=True)
    central_authority = AuthorityRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = InstrumentParty
        fields = [
            "country", "signed_on", "ratified_on", "in_force_on", "withdrawn_on", "accepted_languages",
            "central_authority", "declarations", "source", "verified", "dates_verified",
        ]  # fmt: skip


class InstrumentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    names = NamesSerializer(source="*", read_only=True)
    parent = serializers.SerializerMethodField()
    parties = InstrumentPartySerializer(many=True, read_only=True)

    class Meta:
        model = Instrument
        fields = [
            "code", "short_name", "name", "names", "kind", "adopted_on", "in_force_on", "url", "description", "covers",
            "articles", "required_contents", "content_exemptions", "sets_legal_deadlines", "parent", "parties",
            "source", "verified",
        ]  # fmt: skip

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_parent(self, obj) -> str | None:
        return obj.parent.code if obj.parent_id else None
