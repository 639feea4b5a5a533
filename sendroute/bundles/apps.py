from django.apps import AppConfig


class BundlesConfig(AppConfig):
    name = "sendroute.bundles"
    label = "bundles"

    def ready(self) -> None:
        from django.db import transaction
        from django.db.models.signals import post_delete

        from .models import Bundle

        def file_delete(sender: type, instance: Bundle, **kwargs: object) -> None:
            """A bundle's file goes with its row (deleted with its case, say) once committed."""
            from .services import bundle_files_delete

            name = instance.stored_name
            if name:
                transaction.on_commit(lambda: bundle_files_delete([name]))

        post_delete.connect(
            file_delete, sender=Bundle, weak=False, dispatch_uid="bundle_file_delete"
        )
