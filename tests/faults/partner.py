"""The partner systems of the fault tests may see the objects they subscribe to (the product registers no
visibility rule for partners yet, and a strict check refuses object types without one)."""

from coopcases.notifications import recipients

PARTNER_VISIBLE = ("mla.mlarequest", "cases.case")


def allow_partner_visibility() -> None:
    for object_type in PARTNER_VISIBLE:
        recipients._visibility.setdefault(object_type, lambda user, obj: True)
