from django.db import migrations

# The built-in defaults at the time of this migration (hours before the due moment), made editable in the admin.
DEFAULTS = {
    "mla_response": [336, 168, 24],
    "legal_limit": [168, 48, 24, 4],
    "oral_confirmation": [24, 4],
    "jit_expiry": [720, 336, 168],
    "freeze_renewal": [720, 336, 168, 24],
    "action_item": [168, 24],
    "other": [168, 24],
}


def seed(apps, schema_editor):
    DeadlineKindSetting = apps.get_model("deadlines", "DeadlineKindSetting")
    for kind, offsets in DEFAULTS.items():
        DeadlineKindSetting.objects.get_or_create(kind=kind, defaults={"reminder_offsets_hours": offsets})


class Migration(migrations.Migration):
    dependencies = [("deadlines", "0002_deadline_kind_setting")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
