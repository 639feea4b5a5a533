"""Synthetic people and cases for the soak test, written to the database named by DATABASE_URL.

Run by test_soak.py in a subprocess (``python tests/soak/seed.py FAMILIES ADVISERS OUT.json``)
with SENDROUTE_TODAY, SENDROUTE_EVIDENCE_DIR and DATABASE_URL set. Every family has a case with
one concern and a few notes, shared (to add to) with one adviser; every other family's concern
has a deadline due for a reminder today. Advisers have an authenticator app set up with a known
secret. What was made (emails, case ids, the reminders due) is written to OUT.json.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import os
import sys
from pathlib import Path

PASSWORD = "soak-test-password-not-secret"  # synthetic accounts, throwaway database
# With today 2026-11-27, a council problem on 2025-12-04 has its usual last day to complain on
# Friday 4 December 2026: 5 working days away, so a reminder is due. A 2026-06-01 problem is not.
DUE_PROBLEM_DATE = "2025-12-04"
LATER_PROBLEM_DATE = "2026-06-01"
DUE_DEADLINE = "council-complaint-time-limit"


def family_email(i: int) -> str:
    return f"soak-family-{i}@example.invalid"


def adviser_email(i: int) -> str:
    return f"soak-adviser-{i}@example.invalid"


def totp_secret(email: str) -> str:
    digest = hashlib.sha256(f"sendroute-soak:{email}".encode()).digest()[:20]
    return base64.b32encode(digest).decode("ascii")


def main(families: int, advisers: int, out: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sendroute.web.settings")
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone
    from soak_files import pdf  # beside this script

    from sendroute.accounts.models import Role, TotpDevice, User
    from sendroute.cases.evidence_store import evidence_save
    from sendroute.cases.services import case_create, concern_create, entry_create, share_grant

    today = dt.date.fromisoformat(os.environ["SENDROUTE_TODAY"])
    hashed = make_password(PASSWORD)  # one Argon2 hash for all: they are made-up accounts
    adviser_rows = []
    for a in range(1, advisers + 1):
        email = adviser_email(a)
        user = User.objects.create(email=email, role=Role.ADVISER, password=hashed)
        TotpDevice.objects.create(user=user, secret=totp_secret(email), confirmed_at=timezone.now())
        adviser_rows.append({"email": email, "totp_secret": totp_secret(email), "cases": []})
    family_rows = []
    reminders = []
    for f in range(1, families + 1):
        email = family_email(f)
        owner = User.objects.create(email=email, role=Role.PARENT, password=hashed)
        case = case_create(owner=owner, title=f"Soak case {f}", area="norfolk")
        due = f % 2 == 1
        concern = concern_create(
            case=case,
            actor=owner,
            route="council",
            title="Transport",
            facts={
                "concern_about": ["council"],
                "council_service": "other",
                "council_complaint_stage": "not_started",
                "council_problem_date": DUE_PROBLEM_DATE if due else LATER_PROBLEM_DATE,
            },
        )
        for n in range(3):
            entry_create(
                case=case,
                actor=owner,
                kind="note",
                concern=concern if n == 0 else None,
                date=today - dt.timedelta(days=7 * (n + 1)),
                title=f"Meeting {n + 1}",
                people="SENCo",
                body="Talked about the plan. " * 20,
                actions="Write to the council.",
            )
        adviser = adviser_rows[(f - 1) % advisers]
        share_grant(case=case, actor=owner, adviser_email=adviser["email"], access="edit")
        adviser["cases"].append(str(case.public_id))
        upload = io.BytesIO(pdf(f"seed {f}"))
        upload.name = "letter.pdf"
        evidence_save(case=case, actor=owner, upload=upload, title="Letter from school")
        family_rows.append(
            {"email": email, "case": str(case.public_id), "concern": str(concern.public_id)}
        )
        if due:
            reminders += [[email, str(case.public_id)], [adviser["email"], str(case.public_id)]]
    out.write_text(
        json.dumps(
            {
                "password": PASSWORD,
                "families": family_rows,
                "advisers": adviser_rows,
                "reminders_due": sorted(reminders),
                "due_deadline": DUE_DEADLINE,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]))
