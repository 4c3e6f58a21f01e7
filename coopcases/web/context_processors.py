from coopcases.notifications.selectors import unread_count


def unread_notifications(request) -> dict:
    """The unread count in the header (one indexed COUNT), only for signed-in users."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": unread_count(user)}
