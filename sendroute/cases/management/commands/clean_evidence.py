"""manage.py clean_evidence: remove evidence files that no record names (run it daily from cron).

Such a file is left only if a process stopped between storing an upload and saving its record.
Files younger than an hour are left alone, in case an upload is still being saved.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sendroute.cases.evidence_store import evidence_orphans_delete


class Command(BaseCommand):
    help = "Remove evidence files that no record names, once they are an hour old."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than", type=int, default=3600, help="Seconds a file must be old (3600)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        removed = evidence_orphans_delete(older_than_seconds=options["older_than"])
        self.stdout.write(f"Removed {len(removed)} file{'' if len(removed) == 1 else 's'}.")
