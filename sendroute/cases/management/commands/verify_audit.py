"""manage.py verify_audit: check the audit trail's hash chain (run it daily from cron).

Prints how many rows were checked and a checkpoint: the last row's id and a digest of the end
of every chain. Keep that line somewhere else: given back later as --checkpoint ID:DIGEST, it
also detects the newest rows of a chain being removed, which the chain alone cannot. Exits 1, naming the first row that does not check, when a row has been changed.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sendroute.cases.audit import verify_chain


class Command(BaseCommand):
    help = "Check that no audit row has been changed or removed since it was written."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoint",
            default="",
            help="ID:DIGEST printed by an earlier run, to detect the newest rows being removed.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        checkpoint = None
        if options["checkpoint"]:
            number, _, value = options["checkpoint"].partition(":")
            if not (number.isascii() and number.isdigit()) or len(number) > 18 or len(value) != 64:
                raise CommandError(
                    "Give the checkpoint as ID:DIGEST, as an earlier run printed it."
                )
            checkpoint = (int(number), value)
        result = verify_chain(checkpoint=checkpoint)
        if not result.intact:
            self.stderr.write(
                f"The audit trail has been changed: row {result.first_broken} does not follow "
                "from the rows before it."
            )
            raise SystemExit(1)
        self.stdout.write(
            f"The audit trail is intact: {result.checked} rows checked"
            f" ({result.unchained} older rows before the chain began)."
        )
        if result.checkpoint is not None:
            self.stdout.write(f"Checkpoint: {result.checkpoint[0]}:{result.checkpoint[1]}")
