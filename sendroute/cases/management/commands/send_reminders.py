"""manage.py send_reminders: email the reminders due today (run it once a day from cron).

Running it twice sends nothing twice (see sendroute.cases.reminders). --date sends the reminders
due on another day, for catching up or trying it out.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sendroute.cases.reminders import reminders_run


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f"--date must be a real date written as year-month-day, like 2026-11-27, not {text!r}."
        ) from None


class Command(BaseCommand):
    help = "Email the deadline reminders that are due and have not been sent yet."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date",
            help="Send the reminders due on this day (YYYY-MM-DD) instead of today.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        on = _date(options["date"]) if options.get("date") else None
        run = reminders_run(on)
        self.stdout.write(f"Sent {run.sent} reminder{'' if run.sent == 1 else 's'}.")
        if run.failed:
            raise CommandError(
                f"{run.failed} reminder{' ' if run.failed == 1 else 's '}could not be sent. "
                "They will be tried again the next time this runs."
            )
