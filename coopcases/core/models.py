from django.db import models


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True


class Versioned(models.Model):
    """`version` rises by one with every change; the API's ETag and If-Match are built on it."""

    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True


class Sourced(models.Model):
    """A legal or reference fact: where it comes from, and whether it was checked (domain.md marks)."""

    source = models.CharField(max_length=500, help_text="Where this fact comes from (instrument article, page).")
    verified = models.BooleanField(
        default=True, help_text="False where the domain reference marks the fact (verify): shown as unverified."
    )

    class Meta:
        abstract = True
