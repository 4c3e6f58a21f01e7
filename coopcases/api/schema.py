"""drf-spectacular AutoSchema for the conventions every resource shares, so no view repeats them:

- every error response is the `Problem` component as `application/problem+json` (400, 401, 403, 404, 406, 429 on
  every call; 409, 412, 415, 422, 428 where writes can produce them);
- `ETag` response header on detail and write responses; `Retry-After` on 429;
- `If-None-Match` on a detail GET, answered 304 when it names the current ETag;
- `If-Match` request header (required on PATCH, optional on transitions) and `Idempotency-Key` on POST;
- the transitions resource: its GET answers `Transitions`, its POST takes the view's `transition_serializer_class`
  and answers the resource's representation.
"""

import re

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from coopcases.api.errors import PROBLEM_CONTENT_TYPE, ProblemSerializer
from coopcases.api.idempotency import HEADER as IDEMPOTENCY_HEADER
from coopcases.api.idempotency import MAX_KEY_LENGTH
from coopcases.api.scopes import SCOPES, required_scope
from coopcases.api.serializers import TransitionsSerializer

ALWAYS = {"400": "Invalid input or query parameter (each named in `invalid_params`).", "401": "Not authenticated.",
          "403": "Authenticated, but the client's scopes or the user's role do not allow this.",
          "406": "The Accept header asks for something other than JSON.", "429": "Too many requests: wait `Retry-After` seconds."}
DETAIL = {"404": "No such resource, or not visible to the caller."}
WRITE = {"409": "The state of the resource does not allow this now (or the Idempotency-Key is in use by a running request).",
         "415": "The body is not JSON (or multipart where files are uploaded)."}
POST = {"422": "The Idempotency-Key was already used for another request."}
CONDITIONAL = {"412": "If-Match does not name the current ETag (the resource changed)."}
PATCH = {"428": "PATCH requires If-Match."}


class ProblemAutoSchema(AutoSchema):
    def _is_transitions(self) -> bool:
        return getattr(self.view, "action", None) == "transitions"

    def _is_detail_action(self) -> bool:
        """A POST on one resource (`…/{id}/<action>/`): conditional like a transition, answering 200."""
        return self._is_transitions() or (self.method == "POST" and "{id}" in self.path and getattr(self.view, "detail", False))

    def _is_detail(self) -> bool:
        return "{" in self.path

    def _is_retrieve(self) -> bool:
        return self.method == "GET" and getattr(self.view, "action", None) == "retrieve"

    def get_request_serializer(self):
        if self._is_transitions() and self.method == "POST":
            return self.view.transition_serializer_class
        return super().get_request_serializer()

    def get_response_serializers(self):
        if self._is_transitions():
            if self.method == "GET":
                return TransitionsSerializer
            return self.view.get_representation_class()
        return super().get_response_serializers()

    def _is_create_operation(self):
        return False if self._is_detail_action() else super()._is_create_operation()

    def _problem_codes(self) -> dict[str, str]:
        codes = dict(ALWAYS)
        if self._is_detail():
            codes |= DETAIL
        if self.method in ("POST", "PATCH", "PUT", "DELETE"):
            codes |= WRITE
        if self.method == "POST":
            codes |= POST
        if self.method in ("PATCH", "PUT", "DELETE") or (self.method == "POST" and self._is_detail_action()):
            codes |= CONDITIONAL
        if self.method in ("PATCH", "PUT"):
            codes |= PATCH
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, description in self._problem_codes().items():
            if code not in responses:
                responses[code] = self._get_response_for_code(ProblemSerializer, code, [PROBLEM_CONTENT_TYPE], direction)
                responses[code]["description"] = description
        if self._is_retrieve():
            responses["304"] = {"description": "Not modified: If-None-Match names the current ETag (no body)."}
        return responses

    def _has_etag(self) -> bool:
        if self._is_transitions():
            return self.method == "POST"
        return self._is_detail() or self.method == "POST"

    def get_override_parameters(self):
        params = list(super().get_override_parameters())
        # Parent ids in nested paths (`{request_pk}`) are integers like `{id}`.
        params += [OpenApiParameter(name, OpenApiTypes.INT, OpenApiParameter.PATH) for name in re.findall(r"{(\w+_pk)}", self.path)]
        if self.method == "POST":
            params.append(OpenApiParameter(
                IDEMPOTENCY_HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
                description=f"Makes a retried POST safe: the same key with the same body replays the first response (1 to {MAX_KEY_LENGTH} characters).",
            ))
        if self.method in ("PATCH", "PUT", "DELETE") or (self.method == "POST" and self._is_detail_action()):
            params.append(OpenApiParameter(
                "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=self.method in ("PATCH", "PUT"),
                description='The ETag last read (e.g. `"v3"`); the change is refused with 412 if the resource changed since.',
            ))
        if self._is_retrieve():
            params.append(OpenApiParameter(
                "If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
                description="ETags the caller holds; 304 without a body when one of them is current.",
            ))
        if self._has_etag():
            params.append(OpenApiParameter("ETag", OpenApiTypes.STR, OpenApiParameter.HEADER,
                                           response=["200", "201", "304"] if self._is_retrieve() else ["200", "201"],
                                           description='Version tag of the resource (`"v<version>"`, or `"r<digest>"` for rows that never change), for If-Match and If-None-Match.'))
        params.append(OpenApiParameter("Retry-After", OpenApiTypes.INT, OpenApiParameter.HEADER, response=["429"],
                                       description="Seconds to wait before retrying."))
        return params


class ClientCredentialsScheme(OpenApiAuthenticationExtension):
    """OAuth 2.0 client credentials; each operation lists the one scope it needs (`<family>:read|write`)."""

    target_class = "coopcases.accounts.authentication.ActiveUserOAuth2Authentication"
    name = "oauth2"

    def get_security_requirement(self, auto_schema):
        family = getattr(auto_schema.view, "scope_family", None)
        return {self.name: [required_scope(family, auto_schema.method)] if family else []}

    def get_security_definition(self, auto_schema):
        return {"type": "oauth2", "flows": {"clientCredentials": {"tokenUrl": "/oauth/token/", "scopes": SCOPES}}}


class WebSessionScheme(OpenApiAuthenticationExtension):
    """The web UI's session cookie (unsafe methods also need the CSRF token in `X-CSRFToken`)."""

    target_class = "coopcases.accounts.authentication.VerifiedSessionAuthentication"
    name = "session"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
