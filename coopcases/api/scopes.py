"""OAuth2 scopes: `<family>:read` and `<family>:write` per resource family.

A view names its family (`scope_family = "requests"`); safe methods need `<family>:read`, the others
`<family>:write`. Each client application is granted a subset (`ApiClient.scopes`); asking for no scope at the
token endpoint grants all of them. Add a family here when a new group of resources appears. Plain strings: the
settings import this module before translations are ready.
"""

FAMILIES = {
    "reference": "countries, authorities, networks, instruments, routing advice",
    "requests": "MLA requests with their attachments, messages and events",
    "cases": "cases and joint investigation teams",
    "assets": "assets, asset orders and sharing agreements",
    "deadlines": "deadlines",
    "notifications": "the client's notification inbox",
    "webhooks": "webhook subscriptions and deliveries",
}

SCOPES = {
    f"{family}:{kind}": f"{'Read' if kind == 'read' else 'Change'} {what}"
    for family, what in FAMILIES.items()
    for kind in ("read", "write")
}


def required_scope(family: str, method: str) -> str:
    return f"{family}:{'read' if method in ('GET', 'HEAD', 'OPTIONS') else 'write'}"


class ClientScopes:
    """django-oauth-toolkit scopes backend: a client may only obtain the scopes its ApiClient row grants."""

    def get_all_scopes(self):
        return SCOPES

    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        from coopcases.api.models import ApiClient

        client = ApiClient.objects.filter(application=application, revoked_at__isnull=True).first() if application else None
        return client.scope_list if client else []

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        return self.get_available_scopes(application, request)
