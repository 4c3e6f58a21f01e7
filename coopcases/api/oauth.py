"""django-oauth-toolkit validator: a revoked client (or one without an ApiClient row) gets no token."""

from oauth2_provider.oauth2_validators import OAuth2Validator


def _usable(application) -> bool:
    client = getattr(application, "api_client", None)
    return client is not None and not client.is_revoked


class ClientOAuth2Validator(OAuth2Validator):
    def _load_application(self, client_id, request):
        application = super()._load_application(client_id, request)
        if application is not None and not _usable(application):
            request.client = None
            return None
        return application

    def validate_bearer_token(self, token, scopes, request):
        if not super().validate_bearer_token(token, scopes, request):
            return False
        return request.client is None or _usable(request.client)
