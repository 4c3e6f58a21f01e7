"""A starting retention policy for the one record kind this app can handle itself. The controller reviews it."""

from django.db import migrations

DEFAULTS = [
    {
        "object_type": "accounts.user",
        "days_after_closure": 730,
        "action": "pseudonymise",
        "source": "coopcases default, to be set by the controller: Directive (EU) 2016/680 Art. 4(1)(e) and Art. 5 "
        "(storage limitation, time limits for review)",
        "verified": False,
    },
]


def forward(apps, schema_editor):
    RetentionPolicy = apps.get_model("audit", "RetentionPolicy")
    for row in DEFAULTS:
        RetentionPolicy.objects.get_or_create(object_type=row["object_type"], defaults=row)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_append_only")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
