"""The background job that makes a bundle (run by `python manage.py db_worker`)."""

from __future__ import annotations

from django_tasks import task

from .services import bundle_run


@task()
def build_bundle(bundle_id: int) -> None:
    bundle_run(bundle_id)
