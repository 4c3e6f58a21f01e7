"""Starting retention policies for MLA requests, cases, JITs and asset files. Unverified defaults: the controller
sets the real periods (the admin edits them, audited)."""

from django.db import migrations

SOURCE = (
    "coopcases default, to be set by the controller: Directive (EU) 2016/680 Art. 4(1)(e) and Art. 5 (storage "
    "limitation, time limits for review); cf. Regulation (EU) 2018/1727 Art. 29 (Eurojust: review every 3 years, "
    "kept at most until the last limitation period of the States concerned) (verify)"
)
DEFAULTS = [
    {"object_type": kind, "days_after_closure": 1825, "action": "pseudonymise", "source": SOURCE, "verified": False}
    for kind in ("mla.mlarequest", "cases.case", "cases.jointinvestigationteam", "assets.asset")
]


def forward(apps, schema_editor):
    RetentionPolicy = apps.get_model("audit", "RetentionPolicy")
    for row in DEFAULTS:
        RetentionPolicy.objects.get_or_create(object_type=row["object_type"], defaults=row)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_retention_defaults")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
