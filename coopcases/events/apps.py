from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "coopcases.events"
    label = "events"
    verbose_name = _("Events")

    def ready(self):
        from django.db.models.signals import post_migrate

        from coopcases.events.dispatch import enqueue_dispatch
        from coopcases.events.schedules import sync_schedules_after_migrate
        from coopcases.events.services import on_event_committed

        on_event_committed(enqueue_dispatch)
        post_migrate.connect(sync_schedules_after_migrate, sender=self)
