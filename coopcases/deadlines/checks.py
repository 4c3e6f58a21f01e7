from django.conf import settings
from django.core.checks import Error, register
from django.utils.module_loading import import_string


@register()
def expiry_handlers_import(app_configs, **kwargs):
    errors = []
    for path in settings.DEADLINE_EXPIRY_HANDLERS:
        try:
            handler = import_string(path)
        except ImportError as exc:
            errors.append(Error(f"DEADLINE_EXPIRY_HANDLERS: cannot import {path!r} ({exc}).", id="deadlines.E001"))
            continue
        if not callable(handler):
            errors.append(Error(f"DEADLINE_EXPIRY_HANDLERS: {path!r} is not callable.", id="deadlines.E002"))
    return errors
