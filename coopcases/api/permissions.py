"""Who may call a resource at all. What they see inside it is the selectors' business (404 for the invisible)."""

from django.utils.translation import gettext as _
from oauth2_provider.models import AccessToken
from rest_framework.permissions import BasePermission

from coopcases.api.scopes import required_scope


class HasScope(BasePermission):
    """Token callers need `<scope_family>:read` for safe methods and `<scope_family>:write` for the others.

    The view declares `scope_family`. Session callers (the web UI, with CSRF) are bound by their roles only.
    A view without `scope_family` is refused to tokens, so a forgotten declaration fails closed.
    """

    message = _("Your client was not granted the scope this call needs.")
    code = "insufficient_scope"

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        token = request.auth
        if not isinstance(token, AccessToken):
            return True
        family = getattr(view, "scope_family", None)
        if family is None:
            return getattr(view, "scope_free", False)
        needed = required_scope(family, request.method)
        if token.allow_scopes([needed]):
            return True
        self.message = _("This call needs the scope '%(scope)s'.") % {"scope": needed}
        return False
