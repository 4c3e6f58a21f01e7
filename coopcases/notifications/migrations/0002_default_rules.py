from django.db import migrations

BOTH = ["inbox", "email"]
RULES = [
    ("MLA request approved → the drafter", "mla_request.approve", {}, ["drafter"]),
    ("Deadline reminder → the responsible authority (freezing-order renewal, MLA response…)",
     "deadline.reminder", {}, ["responsible_authority"]),
    ("JIT expiring → every party's leader", "deadline.reminder", {"kind": "jit_expiry"}, ["jit_leaders"]),
    ("Deadline missed → the responsible authority", "deadline.missed", {}, ["responsible_authority"]),
    ("Overdue (request or other deadline) → central authorities of the requesting and requested states",
     "deadline.escalated", {},
     ["requesting_central_authority", "requested_central_authority", "responsible_central_authority"]),
]


def seed(apps, schema_editor):
    NotificationRule = apps.get_model("notifications", "NotificationRule")
    for name, event_type, data_match, keys in RULES:
        NotificationRule.objects.get_or_create(
            name=name, event_type=event_type,
            defaults={"data_match": data_match, "recipient_keys": keys, "channels": BOTH},
        )


def unseed(apps, schema_editor):
    NotificationRule = apps.get_model("notifications", "NotificationRule")
    for name, event_type, _, _ in RULES:
        NotificationRule.objects.filter(name=name, event_type=event_type).delete()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
