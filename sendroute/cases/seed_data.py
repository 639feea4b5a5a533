"""Synthetic data for performance work: ``sendroute seed-data --scale S``.

Fills an empty database with made-up families, advisers, cases, concerns, stage events, timeline
notes (with their revisions), shares, small evidence files and audit rows, so that page and API
timings can be measured at a realistic size. Nothing in it is about a real person: child names
come from a short fixed list of first names and initials, note text from a fixed list of plain
made-up sentences, and every email address ends in ``@example.invalid``.

Size
    Scale 1 is 10,000 cases and 400,000 events, where an event is a ``StageEvent`` row or a
    timeline ``Entry`` row (about a year of a large local service; the national figure is about
    250,000 cases and 10 million events a year, scale 25). Scale 20 is 200,000 cases and 8 million
    events. ``seed_plan(scale)`` gives the exact numbers: cases = round(10,000 x scale) (at least
    1), events = round(400,000 x scale) (at least one per case), exactly.

Accounts (password ``SEED_PASSWORD`` for all; hashed once and the hash reused)
    * ``family_email(i)`` = ``family-{i}@example.invalid``, i = 1 .. families, about one family
      per 1.25 cases. Every family owns at least one case; about 8% are young people acting for
      themselves (never families 1 .. benchmark_cases, who are parents).
    * ``adviser_email(i)`` = ``adviser-{i}@example.invalid``, i = 1 .. advisers (one adviser per
      100 cases, at least 15). Every adviser, staff member and administrator
      (``staff-{i}@example.invalid``, ``admin-1@example.invalid``) has a confirmed authenticator
      app whose secret is ``totp_secret_for(email)``: sign in with
      ``pyotp.TOTP(totp_secret_for(email)).now()``.

Guarantees (benchmarks rely on these)
    * Families 1 .. B (B = benchmark_cases = min(100, max(1, cases // 10)), so 100 from scale
      0.1 up) each own exactly one case, titled "Benchmark case N" (N = the family number), with
      exactly 20 timeline entries, 2 concerns (the school and council routes) and 3 stage events.
    * Advisers 1 .. 10 each have exactly A live shares with edit access (A = min(50, cases - B),
      so 50 from scale 0.01 up), of cases other than the benchmark cases; each of those cases has
      exactly one concern, so each of these advisers' caseload shows exactly A rows (a caseload
      has one row per concern). Other advisers get a skewed, realistic spread (about 30% of cases
      are shared with one or two of them, some shares view-only, about 5% revoked).
    * Everything else is a realistic spread: a log-normal number of events per case (many with a
      few, a long tail with hundreds), averaging 40. Each entry has one revision, about 1 in 8
      have 2 or 3. Concerns use the Norfolk pack's routes, with facts whose advice (next step,
      deadlines snapshot) was worked out by the rules; stage events walk the route's steps in
      order (made, acknowledged, response, outcome). Dates fall in the 3 years before
      2026-11-27.
    * About 1 case in 10 has 1 to 3 small evidence files (a few KB: a valid PDF, PNG or saved
      email, each with unique content), stored as ``evidence_store`` stores them: a random name,
      mode 0600, size and SHA-256 recorded, in ``evidence_dir`` (default the
      ``SENDROUTE_EVIDENCE_DIR`` setting).
    * One audit row for each case, concern, stage event, entry, extra revision, share and file
      created, as the services would have written, with each case's audit hash chain made as
      ``audit.audit_record`` makes it (``audit.verify_chain`` finds every chain intact). Seeded
      case ids never reuse an id that existing audit rows name.
    * The same ``rng_seed`` gives the same rows (ids, dates, names, text, public ids); only the
      stored file names are random, as they must be.

It refuses to run on a database that already has cases or seeded accounts: seed a new, empty
database (``DATABASE_URL=... python manage.py migrate`` first). Rows are written straight to
the tables (COPY on PostgreSQL, one prepared INSERT run over many rows on SQLite), in one
transaction per chunk of 1,000 cases, with primary keys worked out in advance (PostgreSQL's
sequences are moved on afterwards). No model code or signals run and nothing is validated row by
row; when run on its own (not inside a transaction) it also relaxes SQLite's ``synchronous`` to
NORMAL and, on PostgreSQL as a superuser, skips the foreign key checks of its own transactions.
It is only for test and performance databases.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import hashlib
import json
import math
import os
import random
import secrets
import struct
import time
import uuid
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

SEED_PASSWORD = "seed-data-password-not-secret"  # noqa: S105 - made-up accounts only  # nosec B105

TODAY = dt.date(2026, 11, 27)
FIRST_DAY = TODAY - dt.timedelta(days=3 * 365)
CASES_PER_SCALE = 10_000
EVENTS_PER_SCALE = 400_000
MAX_SCALE = 50.0
CHUNK_CASES = 1000  # cases written per transaction
BENCHMARK_ENTRIES = 20
BENCHMARK_STAGE_EVENTS = 3
BENCHMARK_ADVISERS = 10
MAX_EVENTS_PER_CASE = 3_000

CHILD_NAMES = (
    "Sam", "Alex", "Jo", "Charlie", "Robin", "Max", "Ellis", "Frankie", "Jamie", "Riley",
    "Morgan", "Taylor", "Casey", "Jordan", "Quinn", "Rowan", "Sky", "Remy", "Kit", "Ari",
    "A.B.", "C.D.", "E.F.", "G.H.", "J.K.", "L.M.", "N.P.", "R.S.", "T.W.", "Y.Z.",
)  # fmt: skip
PLACES = (
    "Oak School", "Willow Academy", "Elm Primary", "Hazel College", "Birch Nursery",
    "Ash Special School", "Rowan High", "Maple Infants", "Cedar Juniors", "Alder Sixth Form",
)  # fmt: skip
SCHOOL_YEARS = ("Reception", *(f"Year {n}" for n in range(1, 14)), "")
SETTINGS = ("early_years", "mainstream", "mainstream", "mainstream", "special", "college", "home")
SENTENCES = (
    "We talked about the support in the plan and what is happening now.",
    "The school said it would look again at the timetable for movement breaks.",
    "I asked for the notes of the meeting to be sent to me in writing.",
    "The teacher agreed to check in every morning for the next two weeks.",
    "The council said a decision would be sent within the time limit.",
    "We agreed to meet again after half term to see how things are going.",
    "I explained that the agreed support has not been given since September.",
    "They said they would ask the SENCo to call me back this week.",
    "The letter set out the next steps and who to contact.",
    "I said I was not happy with the answer and would take it further.",
    "The therapy sessions are still not happening as the plan says.",
    "We went through the report together and noted what was missing.",
    "The head teacher apologised for the delay and gave a new date.",
    "I asked what would happen if the deadline was missed again.",
    "Transport was late four times this month.",
    "The adviser explained the complaints procedure and the time limits.",
)  # fmt: skip
ENTRY_TITLES = {
    "note": ("Phone call with the school", "Meeting with the SENCo", "Call with the council",
             "Meeting with the head teacher", "Talk with the adviser", "Review meeting"),
    "letter_sent": ("Email to the school", "Formal complaint letter", "Letter to the council",
                    "Email asking for an update", "Letter to the governors"),
    "letter_received": ("Reply from the school", "Acknowledgement letter", "Council decision",
                        "Response to complaint", "Email from the SENCo"),
}  # fmt: skip
PEOPLE = (
    "Class teacher", "SENCo", "Head teacher", "Case officer", "Adviser", "Governor",
    "Complaints team", "Team manager",
)  # fmt: skip
TO_WHOM = (
    "The head teacher", "The SENCo", "The council's SEND team", "The complaints team",
    "The chair of governors", "PALS", "The team manager",
)  # fmt: skip
ACTIONS = (
    "School to send the notes by Friday.",
    "Council to reply within 20 working days.",
    "I will write to the governors if nothing changes.",
    "Meet again in four weeks.",
)
ENTRY_KINDS = ("note", "letter_sent", "letter_received")
ENTRY_KIND_WEIGHTS = (6, 2, 2)


def family_email(i: int) -> str:
    """The email of seeded family member ``i`` (from 1)."""
    return f"family-{i}@example.invalid"


def adviser_email(i: int) -> str:
    """The email of seeded adviser ``i`` (from 1)."""
    return f"adviser-{i}@example.invalid"


def staff_email(i: int) -> str:
    return f"staff-{i}@example.invalid"


def admin_email(i: int) -> str:
    return f"admin-{i}@example.invalid"


def totp_secret_for(email: str) -> str:
    """The base32 TOTP secret of a seeded account's authenticator app (advisers, staff and
    administrators have one, confirmed)."""
    digest = hashlib.sha256(f"sendroute-seed:{email}".encode()).digest()[:20]
    return base64.b32encode(digest).decode("ascii")


class SeedError(Exception):
    """The database cannot be seeded (bad scale, it already has cases, or tables are missing)."""


@dataclass(frozen=True)
class SeedPlan:
    """How much a scale makes."""

    scale: float
    cases: int
    events: int
    families: int
    advisers: int
    staff: int
    administrators: int
    benchmark_cases: int
    benchmark_advisers: int
    benchmark_shares: int


def seed_plan(scale: float) -> SeedPlan:
    """The numbers for ``scale`` (see the module docstring)."""
    if not isinstance(scale, (int, float)) or isinstance(scale, bool) or not math.isfinite(scale):
        raise SeedError("the scale must be a number, like 1 or 0.5.")
    if not 0 < scale <= MAX_SCALE:
        raise SeedError(f"the scale must be more than 0 and at most {MAX_SCALE:g}.")
    cases = max(1, round(CASES_PER_SCALE * scale))
    events = max(cases, round(EVENTS_PER_SCALE * scale))
    bench = min(100, max(1, cases // 10))
    families = max(bench + (1 if cases > bench else 0), round(cases / 1.25))
    return SeedPlan(
        scale=float(scale),
        cases=cases,
        events=events,
        families=families,
        advisers=max(BENCHMARK_ADVISERS + 5, round(cases / 100)),
        staff=max(1, round(cases / 2000)),
        administrators=1,
        benchmark_cases=bench,
        benchmark_advisers=BENCHMARK_ADVISERS,
        benchmark_shares=min(50, cases - bench),
    )


@dataclass
class SeedSummary:
    """How many rows of each model were made (by model name), files written, and seconds."""

    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    evidence_bytes: int = 0

    @property
    def events(self) -> int:
        return self.counts.get("StageEvent", 0) + self.counts.get("Entry", 0)

    def lines(self) -> list[str]:
        out = [f"{name}: {count:,}" for name, count in self.counts.items()]
        out.append(f"events (stage events + timeline entries): {self.events:,}")
        out.append(f"evidence files: {self.evidence_bytes / 1024 / 1024:.1f} MB")
        out.append(f"took {self.seconds:.1f} seconds")
        return out


# -- small valid files ---------------------------------------------------------------------------


def _pdf(lines: list[str]) -> bytes:
    """A one-page PDF showing ``lines`` (a valid file with a correct cross-reference table)."""

    def esc(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    content = "BT /F1 10 Tf 56 790 Td 13 TL\n" + "".join(f"({esc(t)}) Tj T*\n" for t in lines)
    content += "ET\n"
    stream = content.encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"endstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _png(rng: random.Random, label: str) -> bytes:
    """A small greyscale PNG of noise, with ``label`` in a text chunk (so each is unique)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    width = height = 40
    rows = b"".join(b"\x00" + rng.randbytes(width) for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"tEXt", b"Comment\x00" + label.encode("ascii"))
        + chunk(b"IDAT", zlib.compress(rows, 6))
        + chunk(b"IEND", b"")
    )


def _eml(rng: random.Random, label: str, to: str, when: dt.datetime) -> bytes:
    body = "\r\n".join(rng.choice(SENTENCES) for _ in range(rng.randint(12, 40)))
    return (
        "From: School office <office@example.invalid>\r\n"
        f"To: {to}\r\n"
        f"Subject: {label}\r\n"
        f"Date: {email.utils.format_datetime(when)}\r\n"
        f"Message-ID: <{label.replace(' ', '-').lower()}@example.invalid>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        f"{label}\r\n\r\n{body}\r\n"
    ).encode()


def _evidence_file(
    rng: random.Random, serial: int, to: str, when: dt.datetime
) -> tuple[str, bytes]:
    """(extension, content) of seeded file number ``serial``: unique content every time."""
    label = f"Seeded file {serial}"
    kind = rng.choice(("pdf", "pdf", "png", "eml"))
    if kind == "pdf":
        lines = [label, *(rng.choice(SENTENCES) for _ in range(rng.randint(20, 60)))]
        return ".pdf", _pdf(lines)
    if kind == "png":
        return ".png", _png(rng, label)
    return ".eml", _eml(rng, label, to, when)


CONTENT_TYPES = {".pdf": "application/pdf", ".png": "image/png", ".eml": "message/rfc822"}
EVIDENCE_TITLES = {
    ".pdf": ("Letter from the school", "EHC plan", "Complaint response", "Meeting notes"),
    ".png": ("Photo of the home-school book", "Screenshot of the timetable"),
    ".eml": ("Email from the school office", "Email about transport"),
}


# -- concern facts and advice ---------------------------------------------------------------------

ROUTE_FACTS: dict[str, dict[str, Any]] = {
    "safety": {"child_at_risk": True, "concern_about": ["school"]},
    "school": {
        "concern_about": ["school"],
        "school_stage": "not_started",
        "school_incident_date": "{d}",
        "school_blocking_procedure": False,
    },
    "council": {
        "concern_about": ["council"],
        "council_service": "other",
        "council_complaint_stage": "not_started",
        "council_problem_date": "{d}",
    },
    "health": {
        "concern_about": ["health"],
        "nhs_complained_to": "nobody_yet",
        "nhs_incident_date": "{d}",
        "nhs_found_out_date": "{d}",
    },
    "send": {
        "concern_about": ["ehc"],
        "who_is_asking": "parent",
        "has_ehc_plan": False,
        "ehc_decision": "delay",
        "ehc_waiting_for": "assessment_decision",
        "ehc_request_received_date": "{d}",
    },
}
SAFE = {"child_at_risk": False, "abuse_allegation": False, "missing_education": False}


class _Advice:
    """Facts, pack version and advice snapshot per (route, month), worked out once each."""

    def __init__(self) -> None:
        from sendroute.rules import load_ruleset

        from . import advice

        self.rules = load_ruleset("norfolk")
        self.pack_version = advice.pack_version(self.rules)
        self.routes = {r.spec.id: r for r in self.rules.routes}
        self.steps = {rid: [s.spec.id for s in r.steps] for rid, r in self.routes.items()}
        self.titles = {rid: r.spec.title for rid, r in self.routes.items()}
        self._cache: dict[tuple[str, dt.date], tuple[dict[str, Any], str, dict[str, Any]]] = {}

    def for_route(self, route: str, on: dt.date) -> tuple[dict[str, Any], str, dict[str, Any]]:
        """(facts, current step, advice snapshot) for a concern on ``route`` begun near ``on``."""
        month = on.replace(day=1)
        key = (route, month)
        if key not in self._cache:
            from .advice import concern_view
            from .models import Case, Concern

            facts = {**SAFE}
            for name, value in ROUTE_FACTS[route].items():
                facts[name] = value.format(d=month.isoformat()) if value == "{d}" else value
            concern = Concern(case=Case(area="norfolk"), route=route, facts=facts)
            view = concern_view(concern, self.rules, TODAY)
            self._cache[key] = (facts, view.next_step, view.snapshot())
        return self._cache[key]


# -- the generator --------------------------------------------------------------------------------


def _aware(day: dt.date, rng: random.Random) -> dt.datetime:
    return dt.datetime(
        day.year, day.month, day.day, rng.randint(8, 20), rng.randint(0, 59), tzinfo=dt.UTC
    )


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _spread(rng: random.Random, total: int, count: int) -> list[int]:
    """``count`` numbers of at least 1 adding up to ``total`` exactly: log-normal, long tail."""
    if count <= 0:
        return []
    total = max(total, count)
    weights = [rng.lognormvariate(0.0, 1.1) for _ in range(count)]
    scale = total / sum(weights)
    out = [min(MAX_EVENTS_PER_CASE, max(1, int(w * scale))) for w in weights]
    diff = total - sum(out)
    while diff:
        i = rng.randrange(count)
        if diff > 0 and out[i] < MAX_EVENTS_PER_CASE:
            out[i] += 1
            diff -= 1
        elif diff < 0 and out[i] > 1:
            out[i] -= 1
            diff += 1
    return out


def _next_ids(models: Iterable[type[Any]]) -> dict[type[Any], int]:
    """The first primary key to use for each model. A case id is never one an audit row already
    names (a deleted case's history must not appear under a seeded case)."""
    from django.db.models import Max

    from .models import AuditEvent, Case

    ids = {m: (m.objects.aggregate(n=Max("pk"))["n"] or 0) + 1 for m in models}
    audited = AuditEvent.objects.aggregate(n=Max("case_id"))["n"] or 0
    ids[Case] = max(ids[Case], audited + 1)
    return ids


def _check_empty() -> None:
    from sendroute.accounts.models import User

    from .models import Case

    if Case.objects.exists():
        raise SeedError(
            "this database already has cases. Seed a new, empty database: set DATABASE_URL to "
            "a new database, run 'python manage.py migrate', then run seed-data again."
        )
    if User.objects.filter(email__endswith="@example.invalid").exists():
        raise SeedError(
            "this database already has seeded accounts (@example.invalid). Seed a new, empty "
            "database: set DATABASE_URL to a new database, run 'python manage.py migrate', "
            "then run seed-data again."
        )


def seed(
    scale: float,
    *,
    rng_seed: int = 1,
    evidence_dir: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> SeedSummary:
    """Fill the configured (empty) database with synthetic data at ``scale``; see the module
    docstring for what is made and what is guaranteed. Raises SeedError when it will not."""
    plan = seed_plan(scale)
    return _Seeder(plan, rng_seed, evidence_dir, progress).run()


class _Seeder:
    def __init__(
        self,
        plan: SeedPlan,
        rng_seed: int,
        evidence_dir: Path | None,
        progress: Callable[[str], None] | None,
    ) -> None:
        from django.conf import settings

        self.plan = plan
        self.rng = random.Random(rng_seed)  # noqa: S311 - repeatable made-up data, not secrets  # nosec B311
        self.folder = Path(evidence_dir or settings.SENDROUTE_EVIDENCE_DIR)
        self.say = progress or (lambda _message: None)
        self.summary = SeedSummary()
        self.file_serial = 0

    def count(self, name: str, n: int) -> None:
        self.summary.counts[name] = self.summary.counts.get(name, 0) + n

    def run(self) -> SeedSummary:
        from django.contrib.auth.hashers import make_password
        from django.db import connection, transaction

        from sendroute.accounts.models import TotpDevice, User

        from .models import (
            AuditEvent,
            Case,
            Concern,
            Entry,
            EntryRevision,
            Evidence,
            Share,
            StageEvent,
        )

        started = time.monotonic()
        _check_empty()
        plan = self.plan
        rng = self.rng
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.advice = _Advice()
        models = [User, TotpDevice, Case, Concern, StageEvent, Entry, EntryRevision, Evidence]
        models += [Share, AuditEvent]
        self.ids = _next_ids(models)
        self.chain = _audit_chain()
        self.say(
            f"Seeding {plan.cases:,} cases and {plan.events:,} events for "
            f"{plan.families:,} families and {plan.advisers:,} advisers (scale {plan.scale:g})."
        )
        password = make_password(SEED_PASSWORD)

        # Who owns which case: families 1..B one benchmark case each, then one case for every
        # other family, then the rest to random other families.
        bench = plan.benchmark_cases
        owners = list(range(1, min(plan.families, plan.cases) + 1))
        if plan.cases > len(owners):
            others = range(bench + 1, plan.families + 1)
            owners += [rng.choice(others) for _ in range(plan.cases - len(owners))]
        young = {
            i for i in range(bench + 1, plan.families + 1) if rng.random() < 0.08
        }  # young people acting for themselves
        first_case_day: dict[int, dt.date] = {}
        case_days = [FIRST_DAY + dt.timedelta(days=rng.randrange(1090)) for _ in owners]
        for owner, day in zip(owners, case_days, strict=True):
            first_case_day[owner] = min(day, first_case_day.get(owner, day))

        # Accounts.
        with transaction.atomic():
            user_ids = self.users(User, TotpDevice, password, young, first_case_day)
        self.say(f"Made {self.summary.counts['User']:,} accounts.")

        # Events per case: benchmark cases fixed, the rest spread with a long tail.
        bench_events = BENCHMARK_ENTRIES + BENCHMARK_STAGE_EVENTS
        rest = plan.cases - bench
        events = [bench_events] * bench + _spread(rng, plan.events - bench * bench_events, rest)

        # Shares: advisers 1..10 exactly A edit shares each; others a skewed spread.
        bench_shares: dict[int, list[int]] = {}
        for a in range(1, plan.benchmark_advisers + 1):
            for c in rng.sample(range(bench, plan.cases), plan.benchmark_shares):
                bench_shares.setdefault(c, []).append(a)
        other_advisers = list(range(plan.benchmark_advisers + 1, plan.advisers + 1))
        adviser_weights = [1 / (k + 1) ** 0.7 for k in range(len(other_advisers))]

        tuned = _sqlite_tuned(connection)
        fast_postgres = connection.vendor == "postgresql" and not connection.in_atomic_block
        for start in range(0, plan.cases, CHUNK_CASES):
            stop = min(plan.cases, start + CHUNK_CASES)
            chunk_files: list[Path] = []
            try:
                with transaction.atomic():
                    if fast_postgres:
                        _postgres_skip_checks(connection)
                    self.chunk(
                        range(start, stop),
                        owners,
                        case_days,
                        events,
                        bench_shares,
                        other_advisers,
                        adviser_weights,
                        user_ids,
                        young,
                        chunk_files,
                    )
            except BaseException:
                for path in chunk_files:
                    path.unlink(missing_ok=True)
                raise
            self.say(
                f"cases {stop:,}/{plan.cases:,}, events {self.summary.events:,}/"
                f"{plan.events:,} ({time.monotonic() - started:.0f}s)"
            )

        _sqlite_restore(connection, tuned)
        sql = connection.ops.sequence_reset_sql(_no_style(), models)
        if sql:
            with connection.cursor() as cursor:
                for statement in sql:
                    cursor.execute(statement)
        if connection.vendor == "postgresql":
            # Bulk-loaded tables have no planner statistics until autovacuum gets to them: until
            # then PostgreSQL scans whole tables (a case timeline took 25 ms instead of 0.1 ms).
            self.say("analyzing the tables")
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.summary.seconds = time.monotonic() - started
        return self.summary

    # -- accounts --

    def users(
        self,
        user_model: type[Any],
        device_model: type[Any],
        password: str,
        young: set[int],
        first_case_day: dict[int, dt.date],
    ) -> dict[str, int]:
        plan, rng = self.plan, self.rng
        next_id = self.ids[user_model]
        ids: dict[str, int] = {}
        rows = []
        devices = []

        def add(email: str, role: str, joined: dt.date, two_factor: bool) -> None:
            nonlocal next_id
            rows.append(
                {
                    "id": next_id,
                    "email": email,
                    "role": role,
                    "password": password,
                    "is_active": True,
                    "is_superuser": False,
                    "date_joined": _aware(joined, rng),
                }
            )
            if two_factor:
                when = _aware(joined, rng)
                devices.append(
                    {
                        "user_id": next_id,
                        "secret": totp_secret_for(email),
                        "created_at": when,
                        "confirmed_at": when,
                        "last_used_step": 0,
                    }
                )
            ids[email] = next_id
            next_id += 1

        for i in range(1, plan.families + 1):
            role = "young_person" if i in young else "parent"
            add(family_email(i), role, first_case_day.get(i, FIRST_DAY), False)
        for i in range(1, plan.advisers + 1):
            add(
                adviser_email(i), "adviser", FIRST_DAY - dt.timedelta(days=rng.randrange(400)), True
            )
        for i in range(1, plan.staff + 1):
            add(staff_email(i), "staff", FIRST_DAY - dt.timedelta(days=rng.randrange(400)), True)
        for i in range(1, plan.administrators + 1):
            add(admin_email(i), "administrator", FIRST_DAY - dt.timedelta(days=400), True)
        _insert(user_model, rows)
        _insert(device_model, devices)
        self.count("User", len(rows))
        self.count("TotpDevice", len(devices))
        return ids

    # -- cases --

    def chunk(
        self,
        indexes: range,
        owners: list[int],
        case_days: list[dt.date],
        events: list[int],
        bench_shares: dict[int, list[int]],
        other_advisers: list[int],
        adviser_weights: list[float],
        user_ids: dict[str, int],
        young: set[int],
        files: list[Path],
    ) -> None:
        from .models import (
            AuditEvent,
            Case,
            Concern,
            Entry,
            EntryRevision,
            Evidence,
            Share,
            StageEvent,
        )

        plan, rng, ids = self.plan, self.rng, self.ids
        cases: list[Any] = []
        concerns: list[Any] = []
        stage_events: list[Any] = []
        entries: list[Any] = []
        revisions: list[Any] = []
        evidence: list[Any] = []
        shares: list[Any] = []
        audit: list[Any] = []

        def log(at: dt.datetime, actor: int, role: str, action: str, case_id: int, kind: str,
                obj: Any) -> None:  # fmt: skip
            audit.append(
                {
                    "id": ids[AuditEvent],
                    "at": at,
                    "actor_id": actor,
                    "actor_role": role,
                    "action": action,
                    "case_id": case_id,
                    "object_type": kind,
                    "object_id": str(obj),
                    "via": "web",
                }
            )
            ids[AuditEvent] += 1

        route_ids = list(self.advice.steps)
        for index in indexes:
            family = owners[index]
            owner_email = family_email(family)
            owner_id = user_ids[owner_email]
            role = "young_person" if family in young else "parent"
            created_day = case_days[index]
            created = _aware(created_day, rng)
            last_day = min(TODAY - dt.timedelta(days=1), created_day + dt.timedelta(days=730))
            span = max(1, (last_day - created_day).days)
            benchmark = index < plan.benchmark_cases
            name = rng.choice(CHILD_NAMES)
            case_id = ids[Case]
            ids[Case] += 1
            case_uuid = _uuid(rng)
            case: dict[str, Any] = {
                "id": case_id,
                "public_id": case_uuid,
                "owner_id": owner_id,
                "title": f"Benchmark case {family}"
                if benchmark
                else f"{name} at {rng.choice(PLACES)}",
                "area": "norfolk",
                "child_name": name,
                "child_birth_year": rng.randint(2003, 2023),
                "child_school_year": rng.choice(SCHOOL_YEARS),
                "child_has_ehc_plan": rng.choice((True, False, None)),
                "child_setting": rng.choice(SETTINGS),
                "version": 1,
                "created_at": created,
                "updated_at": created,
            }
            cases.append(case)
            log(created, owner_id, role, "case.created", case_id, "case", case_uuid)
            latest = created

            # How many concerns, stage events and entries.
            n = events[index]
            if benchmark:
                routes = ["school", "council"]
                per_concern = [2, 1]
                n_entries = BENCHMARK_ENTRIES
            else:
                # A case shared with advisers 1..10 has one concern: one caseload row.
                k = 1 if index in bench_shares else rng.choices((1, 2, 3), weights=(6, 3, 1))[0]
                routes = rng.sample(route_ids, k)
                capacity = [len(self.advice.steps[r]) * 4 for r in routes]
                if n == 1:
                    n_stage = rng.randint(0, 1)
                else:
                    n_stage = min(sum(capacity), max(1, round(n * rng.uniform(0.1, 0.35))))
                per_concern = [0] * k
                for _ in range(n_stage):
                    open_ = [j for j in range(k) if per_concern[j] < capacity[j]]
                    per_concern[rng.choice(open_)] += 1
                n_entries = n - n_stage

            concern_rows: list[dict[str, Any]] = []
            for route, count in zip(routes, per_concern, strict=True):
                began = created_day + dt.timedelta(days=rng.randrange(min(span, 60)))
                facts, step_now, snapshot = self.advice.for_route(route, began)
                concern_id = ids[Concern]
                ids[Concern] += 1
                concern_uuid = _uuid(rng)
                at = _aware(began, rng)
                concern: dict[str, Any] = {
                    "id": concern_id,
                    "public_id": concern_uuid,
                    "case_id": case_id,
                    "route": route,
                    "title": self.advice.titles[route],
                    "facts": facts,
                    "pack_version": self.advice.pack_version,
                    "current_step": step_now,
                    "last_advice": snapshot,
                    "resolved_on": None,
                    "version": 1 + count,
                    "created_at": at,
                    "updated_at": at,
                }
                concern_rows.append(concern)
                log(at, owner_id, role, "concern.created", case_id, "concern", concern_uuid)
                # Stage events: the route's steps in order, each made, acknowledged, answered.
                steps = self.advice.steps[route]
                days = sorted(began + dt.timedelta(days=rng.randrange(span)) for _ in range(count))
                kinds = ("made", "acknowledged", "response", "outcome")
                for j, day in enumerate(days):
                    step, kind = steps[j // 4], kinds[j % 4]
                    outcome = ""
                    if kind == "outcome" or (kind == "response" and rng.random() < 0.5):
                        last = j == count - 1
                        outcome = "resolved" if last and rng.random() < 0.4 else "not_satisfied"
                        if outcome == "resolved":
                            concern["resolved_on"] = day
                    at = _aware(min(day, last_day), rng)
                    event_uuid = _uuid(rng)
                    stage_events.append(
                        {
                            "id": ids[StageEvent],
                            "public_id": event_uuid,
                            "concern_id": concern_id,
                            "step": step,
                            "kind": kind,
                            "date": min(day, last_day),
                            "how": rng.choice(("in_writing", "in_writing", "verbally", "in_person"))
                            if kind == "made"
                            else "",
                            "to_whom": rng.choice(TO_WHOM) if kind == "made" else "",
                            "outcome": outcome,
                            "summary": rng.choice(SENTENCES),
                            "recorded_by_id": owner_id,
                            "recorded_at": at,
                        }
                    )
                    ids[StageEvent] += 1
                    log(at, owner_id, role, "stage.recorded", case_id, "stageevent", event_uuid)
                    concern["updated_at"] = max(concern["updated_at"], at)
                latest = max(latest, concern["updated_at"])
            concerns += concern_rows

            # Timeline entries and their revisions.
            case_entries: list[dict[str, Any]] = []
            for _ in range(n_entries):
                kind = rng.choices(ENTRY_KINDS, weights=ENTRY_KIND_WEIGHTS)[0]
                day = created_day + dt.timedelta(days=rng.randrange(span))
                at = _aware(day, rng)
                entry_uuid = _uuid(rng)
                versions = 1 if rng.random() < 0.875 else rng.randint(2, 3)
                entry_id = ids[Entry]
                ids[Entry] += 1
                entry_concern = (
                    rng.choice(concern_rows)["id"] if concern_rows and rng.random() < 0.7 else None
                )
                case_entries.append(
                    {
                        "id": entry_id,
                        "public_id": entry_uuid,
                        "case_id": case_id,
                        "concern_id": entry_concern,
                        "kind": kind,
                        "date": day,
                        "version": versions,
                        "created_by_id": owner_id,
                        "created_at": at,
                    }
                )
                log(at, owner_id, role, "entry.created", case_id, "entry", entry_uuid)
                title = rng.choice(ENTRY_TITLES[kind])
                people = ", ".join(rng.sample(PEOPLE, rng.randint(1, 3)))
                for number in range(1, versions + 1):
                    edited = at + dt.timedelta(hours=(number - 1) * rng.randint(1, 72))
                    revisions.append(
                        {
                            "id": ids[EntryRevision],
                            "entry_id": entry_id,
                            "number": number,
                            "date": day,
                            "title": title,
                            "people": people,
                            "body": " ".join(rng.sample(SENTENCES, rng.randint(1, 4))),
                            "actions": rng.choice(ACTIONS) if rng.random() < 0.3 else "",
                            "edited_by_id": owner_id,
                            "edited_at": edited,
                        }
                    )
                    ids[EntryRevision] += 1
                    if number > 1:
                        log(edited, owner_id, role, "entry.edited", case_id, "entry", entry_uuid)
                    latest = max(latest, edited)
            entries += case_entries

            # Shares.
            share_with: list[tuple[int, str, str | None]] = [
                (a, "edit", None) for a in bench_shares.get(index, [])
            ]
            if other_advisers and rng.random() < 0.3:
                how_many = 1 if rng.random() < 0.85 else 2
                chosen: set[int] = set()
                while len(chosen) < min(how_many, len(other_advisers)):
                    chosen.add(rng.choices(other_advisers, weights=adviser_weights)[0])
                for a in sorted(chosen):
                    access = "edit" if rng.random() < 0.7 else "view"
                    share_with.append((a, access, "revoked" if rng.random() < 0.05 else None))
            for a, access, revoked in share_with:
                granted = created + dt.timedelta(days=rng.randrange(min(span, 90)))
                share_id = ids[Share]
                ids[Share] += 1
                shares.append(
                    {
                        "id": share_id,
                        "case_id": case_id,
                        "adviser_id": user_ids[adviser_email(a)],
                        "access": access,
                        "granted_at": granted,
                        "revoked_at": granted + dt.timedelta(days=30) if revoked else None,
                    }
                )
                log(granted, owner_id, role, "share.granted", case_id, "share", share_id)
                if revoked:
                    log(granted + dt.timedelta(days=30), owner_id, role, "share.revoked",
                        case_id, "share", share_id)  # fmt: skip

            # Evidence files, on about 1 case in 10.
            if rng.random() < 0.1:
                for _ in range(rng.randint(1, 3)):
                    self.file_serial += 1
                    day = created_day + dt.timedelta(days=rng.randrange(span))
                    at = _aware(day, rng)
                    ext, content = _evidence_file(rng, self.file_serial, owner_email, at)
                    path = self._write(content, ext)
                    files.append(path)
                    evidence_uuid = _uuid(rng)
                    evidence.append(
                        {
                            "id": ids[Evidence],
                            "public_id": evidence_uuid,
                            "case_id": case_id,
                            "concern_id": rng.choice(concern_rows)["id"] if concern_rows else None,
                            "entry_id": rng.choice(case_entries)["id"]
                            if case_entries and rng.random() < 0.5
                            else None,
                            "title": rng.choice(EVIDENCE_TITLES[ext]),
                            "original_name": f"document-{self.file_serial}{ext}",
                            "stored_name": path.name,
                            "content_type": CONTENT_TYPES[ext],
                            "size": len(content),
                            "sha256": hashlib.sha256(content).hexdigest(),
                            "document_date": day,
                            "uploaded_by_id": owner_id,
                            "uploaded_at": at,
                        }
                    )
                    ids[Evidence] += 1
                    self.summary.evidence_bytes += len(content)
                    log(at, owner_id, role, "evidence.uploaded", case_id, "evidence",
                        evidence_uuid)  # fmt: skip
                    latest = max(latest, at)
            case["updated_at"] = latest

        if self.chain is not None:
            self.chain.extend(audit)
        for model, rows in (
            (Case, cases),
            (Concern, concerns),
            (StageEvent, stage_events),
            (Entry, entries),
            (EntryRevision, revisions),
            (Evidence, evidence),
            (Share, shares),
            (AuditEvent, audit),
        ):
            _insert(model, rows)
            self.count(model.__name__, len(rows))

    def _write(self, content: bytes, ext: str) -> Path:
        """Store one file as evidence_store does: a random name, mode 0600."""
        path = self.folder / f"{secrets.token_hex(16)}{ext}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(content)
        return path


def _insert(model: type[Any], rows: list[dict[str, Any]]) -> None:
    """Insert rows (dicts keyed by field attname, primary key included) as fast as the database
    allows: COPY on PostgreSQL, one prepared INSERT run for every row on SQLite. Values are
    converted here as Django would store them (the rows are made by this module, so no checks)."""
    if not rows:
        return
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields if f.attname in rows[0]]
    postgres = connection.vendor == "postgresql"
    convert: list[Callable[[Any], Any] | None] = []
    for f in fields:
        kind = f.get_internal_type()
        if kind == "JSONField":
            convert.append(json.dumps)
        elif postgres:
            convert.append(None)
        elif kind == "DateTimeField":
            convert.append(_sqlite_datetime)
        elif kind == "DateField":
            convert.append(_sqlite_date)
        elif kind == "UUIDField":
            convert.append(_sqlite_uuid)
        else:
            convert.append(None)
    names = [f.attname for f in fields]
    pairs = list(zip(names, convert, strict=True))
    values = [tuple(row[n] if c is None else c(row[n]) for n, c in pairs) for row in rows]
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    columns = ", ".join(qn(f.column) for f in fields)
    with connection.cursor() as cursor:
        if postgres:
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for value in values:
                    copy.write_row(value)
        else:
            marks = ", ".join(["%s"] * len(fields))
            sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 - quoted model names  # nosec B608
            cursor.executemany(sql, values)


def _sqlite_datetime(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")


def _sqlite_date(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _sqlite_uuid(value: uuid.UUID | None) -> str | None:
    return None if value is None else value.hex


class _Chain:
    """The audit hash chains (audit.chain_hash: one chain per case, in id order), carried on from
    each case's newest row already there: seeded rows are chained exactly as audit_record chains
    rows."""

    def __init__(self, heads: dict[int | None, str], chain_hash: Callable[[str, Any], str]) -> None:
        self.heads = heads
        self.chain_hash = chain_hash

    def extend(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:  # made in id order
            key = row["case_id"]
            previous = self.heads.get(key, "")
            row["chain"] = self.heads[key] = self.chain_hash(previous, SimpleNamespace(**row))


def _audit_chain() -> _Chain | None:
    """The chain to carry on, when audit rows have one."""
    from django.db.models import Max

    from . import audit
    from .models import AuditEvent

    chain_hash = getattr(audit, "chain_hash", None)
    if chain_hash is None or "chain" not in {f.name for f in AuditEvent._meta.concrete_fields}:
        return None
    newest = AuditEvent.objects.values("case_id").annotate(last=Max("id")).values("last")
    heads = dict(AuditEvent.objects.filter(id__in=newest).values_list("case_id", "chain"))
    return _Chain({k: v or "" for k, v in heads.items()}, chain_hash)


def _postgres_skip_checks(connection: Any) -> None:
    """On PostgreSQL, for the rest of this transaction only, skip the foreign key checks
    (``session_replication_role = replica``, as ``pg_restore --disable-triggers`` does): the rows
    are made consistent by construction, and checking each one doubles the time. Needs a
    superuser; without one the checks simply run."""
    from django.db import DatabaseError, transaction

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        pass


def _sqlite_tuned(connection: Any) -> dict[str, Any]:
    """On SQLite, a bigger page cache (the unique indexes on random public ids are large) and
    synchronous=NORMAL while seeding; returns the settings to put back."""
    if connection.vendor != "sqlite":
        return {}
    before: dict[str, Any] = {}
    with connection.cursor() as cursor:
        wanted: list[tuple[str, int]] = [("cache_size", -256 * 1024)]
        if not connection.in_atomic_block:  # it cannot change inside a transaction
            wanted.append(("synchronous", 1))
        for name, value in wanted:
            # nosemgrep: sendroute-no-sql-string-formatting - PRAGMA names from the fixed list above
            cursor.execute(f"PRAGMA {name}")
            before[name] = cursor.fetchone()[0]
            # nosemgrep: sendroute-no-sql-string-formatting - PRAGMA names from a fixed list, whole-number values
            cursor.execute(f"PRAGMA {name} = {int(value)}")
    return before


def _sqlite_restore(connection: Any, before: dict[str, Any]) -> None:
    if not before:
        return
    with connection.cursor() as cursor:
        for name, value in before.items():
            # nosemgrep: sendroute-no-sql-string-formatting - PRAGMA names from a fixed list, whole-number values
            cursor.execute(f"PRAGMA {name} = {int(value)}")


def _no_style() -> Any:
    from django.core.management.color import no_style

    return no_style()
