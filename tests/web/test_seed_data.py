"""The synthetic data generator (``sendroute seed-data``): it makes what the scale says, keeps the
guarantees the benchmarks rely on, is repeatable, makes pages that render, stores evidence as the
evidence store does, holds nothing but made-up data, and refuses a database that is in use."""

from __future__ import annotations

import datetime as dt
import hashlib
import stat
from pathlib import Path

import pyotp
import pytest
from django.contrib.auth.hashers import check_password
from django.db import transaction
from django.db.models import Count

from sendroute.accounts.models import TotpDevice, User
from sendroute.accounts.two_factor import CodeCheck, verify_code
from sendroute.cases.audit import audit_record, verify_chain
from sendroute.cases.caseload import caseload_for
from sendroute.cases.evidence_store import evidence_open, evidence_path, file_kind
from sendroute.cases.models import (
    AuditEvent,
    Case,
    Concern,
    Entry,
    EntryRevision,
    Evidence,
    Share,
    StageEvent,
)
from sendroute.cases.seed_data import (
    BENCHMARK_ENTRIES,
    BENCHMARK_STAGE_EVENTS,
    SEED_PASSWORD,
    SeedError,
    adviser_email,
    family_email,
    seed,
    seed_plan,
    totp_secret_for,
)
from sendroute.cli import main
from sendroute.rules import load_ruleset

from .conftest import sign_in_as

# 100 cases and 4,000 events: the smallest scale where every guarantee is at its full size
# (10 benchmark cases, advisers 1..10 with 50 shared cases each).
SCALE = 0.01


@pytest.fixture
def seeded(db, settings):
    summary = seed(SCALE, rng_seed=7)
    return summary


def test_the_plan_follows_the_scale_the_issue_gives():
    one, twenty = seed_plan(1), seed_plan(20)
    assert (one.cases, one.events) == (10_000, 400_000)
    assert (twenty.cases, twenty.events) == (200_000, 8_000_000)
    assert (one.benchmark_cases, one.benchmark_shares) == (100, 50)
    tiny = seed_plan(0.001)
    assert (tiny.cases, tiny.events, tiny.benchmark_cases) == (10, 400, 1)
    assert tiny.benchmark_shares == tiny.cases - tiny.benchmark_cases
    for bad in (0, -1, 50.5, float("nan"), float("inf")):
        with pytest.raises(SeedError):
            seed_plan(bad)


def test_rows_made_match_the_scale(seeded):
    plan = seed_plan(SCALE)
    assert Case.objects.count() == plan.cases == seeded.counts["Case"]
    assert StageEvent.objects.count() + Entry.objects.count() == plan.events == seeded.events
    assert User.objects.count() == plan.families + plan.advisers + plan.staff + 1
    assert Entry.objects.count() == seeded.counts["Entry"]
    # Every entry has its revisions 1..version (at least one), some have more than one.
    per_entry = dict(
        Entry.objects.annotate(n=Count("revisions")).values_list("version", "n").distinct()
    )
    assert per_entry
    assert all(version == n for version, n in per_entry.items())
    assert min(per_entry) == 1
    assert max(per_entry) > 1
    assert EntryRevision.objects.count() == seeded.counts["EntryRevision"]
    # One audit row for every case, concern, stage event, entry, edit, share and file.
    made = Case.objects.count() + Concern.objects.count() + plan.events
    made += EntryRevision.objects.count() - Entry.objects.count()
    made += Share.objects.count() + Share.objects.exclude(revoked_at=None).count()
    made += Evidence.objects.count()
    assert AuditEvent.objects.count() == made
    # A spread: some cases with a few events, a long tail with many.
    sizes = sorted(
        Case.objects.annotate(n=Count("entries", distinct=True)).values_list("n", flat=True)
    )
    assert sizes[0] < 10 < 80 < sizes[-1]


def test_seeded_audit_rows_carry_the_audit_hash_chain(seeded):
    case = Case.objects.order_by("id").first()
    audit_record(actor=case.owner, action="case.viewed", case=case, obj=case)
    check = verify_chain()
    assert check.intact
    assert check.unchained == 0
    assert check.checked == AuditEvent.objects.count() == seeded.counts["AuditEvent"] + 1


def test_benchmark_families_each_own_one_case_with_twenty_entries(seeded):
    plan = seed_plan(SCALE)
    assert plan.benchmark_cases == 10
    for n in range(1, plan.benchmark_cases + 1):
        owner = User.objects.get(email=family_email(n))
        (case,) = Case.objects.filter(owner=owner)
        assert case.title == f"Benchmark case {n}"
        assert case.entries.count() == BENCHMARK_ENTRIES == 20
        assert case.concerns.count() == 2
        assert StageEvent.objects.filter(concern__case=case).count() == BENCHMARK_STAGE_EVENTS
        assert check_password(SEED_PASSWORD, owner.password)


def test_benchmark_advisers_have_fifty_shared_cases_and_a_working_authenticator(seeded):
    for n in range(1, 11):
        adviser = User.objects.get(email=adviser_email(n))
        live = Share.objects.filter(adviser=adviser, revoked_at=None)
        assert live.count() == 50
        assert set(live.values_list("access", flat=True)) == {"edit"}
        assert caseload_for(adviser).total == 50
        device = TotpDevice.objects.get(user=adviser)
        assert device.confirmed_at is not None
        assert device.secret == totp_secret_for(adviser.email)
        assert verify_code(device, pyotp.TOTP(totp_secret_for(adviser.email)).now()) == (
            CodeCheck.RIGHT
        )
    # Other advisers have a spread, not the same number each.
    others = (
        Share.objects.exclude(adviser__email__in=[adviser_email(n) for n in range(1, 11)])
        .values("adviser")
        .annotate(n=Count("id"))
    )
    assert len({row["n"] for row in others}) > 1


def test_concerns_and_stage_events_follow_the_norfolk_routes(seeded):
    rules = load_ruleset("norfolk")
    steps = {r.spec.id: [s.spec.id for s in r.steps] for r in rules.routes}
    first, last = dt.date(2023, 11, 27), dt.date(2026, 11, 27)
    for concern in Concern.objects.all():
        assert concern.route in steps
        assert not concern.current_step or concern.current_step in steps[concern.route]
    events = StageEvent.objects.select_related("concern")
    assert events.exists()
    for event in events:
        assert event.step in steps[event.concern.route]
        assert first <= event.date < last
    assert all(first <= d < last for d in Entry.objects.values_list("date", flat=True))


def test_the_same_seed_makes_the_same_data_and_another_seed_does_not(db):
    def run(rng_seed):
        with transaction.atomic():
            summary = seed(0.002, rng_seed=rng_seed)
            names = list(Case.objects.order_by("id").values_list("child_name", "title"))
            dates = list(Entry.objects.order_by("id").values_list("date", flat=True))
            transaction.set_rollback(True)
        return summary.counts, names, dates

    first = run(3)
    assert first[0]["Case"] == 20
    assert run(3) == first
    other = run(4)
    assert other[1] != first[1]
    assert other[2] != first[2]


def test_a_seeded_case_opens_for_its_owner_and_is_not_found_for_another_family(seeded, client):
    case = Case.objects.get(title="Benchmark case 1")
    url = f"/cases/{case.public_id}/"
    sign_in_as(client, case.owner)
    page = client.get(url)
    assert page.status_code == 200
    assert "Benchmark case 1" in page.content.decode()
    timeline = client.get(f"/cases/{case.public_id}/timeline")
    assert timeline.status_code in (200, 404)  # the timeline may be part of the case page
    client.logout()
    sign_in_as(client, User.objects.get(email=family_email(2)))
    assert client.get(url).status_code == 404


def test_evidence_files_are_stored_privately_and_match_their_checksums(seeded, settings):
    files = list(Evidence.objects.all())
    assert files
    assert len({e.sha256 for e in files}) == len(files)
    for evidence in files:
        path = evidence_path(evidence)
        assert Path(settings.SENDROUTE_EVIDENCE_DIR) == path.parent
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        data = path.read_bytes()
        assert len(data) == evidence.size < 16 * 1024
        assert hashlib.sha256(data).hexdigest() == evidence.sha256
        assert file_kind(path).content_type == evidence.content_type
        evidence_open(evidence).close()  # the store itself accepts it
    cases_with_files = Case.objects.filter(evidence__isnull=False).distinct().count()
    assert 1 <= cases_with_files <= 30  # about 1 case in 10


def test_every_email_address_is_made_up(seeded):
    emails = list(User.objects.values_list("email", flat=True))
    assert emails
    assert all(e.endswith("@example.invalid") for e in emails)
    texts = EntryRevision.objects.values_list("people", "body", "actions")
    assert not any("@" in text for row in texts for text in row)
    for evidence in Evidence.objects.filter(content_type="message/rfc822"):
        for word in evidence_path(evidence).read_text().split():
            assert "@" not in word or word.strip("<>,").endswith("@example.invalid")


def test_refuses_a_database_that_already_has_cases(people):
    with pytest.raises(SeedError, match="already has cases"):
        seed(0.001)
    assert Case.objects.count() == 1
    assert not User.objects.filter(email__endswith="@example.invalid").exists()


def test_command_line_seeds_and_prints_a_summary(db, capsys, tmp_path):
    folder = tmp_path / "files"
    assert (
        main(["seed-data", "--scale", "0.001", "--seed", "2", "--evidence-dir", str(folder)]) == 0
    )
    out = capsys.readouterr()
    assert "Case: 10" in out.out
    assert "events (stage events + timeline entries): 400" in out.out
    assert "cases 10/10" in out.err
    assert Case.objects.count() == 10
    assert {p.name for p in folder.iterdir()} == set(
        Evidence.objects.values_list("stored_name", flat=True)
    )
    assert main(["seed-data", "--scale", "0.001"]) == 2
    assert "already has cases" in capsys.readouterr().err


@pytest.mark.parametrize("scale", ["0", "-1", "51", "lots", "nan"])
def test_command_line_refuses_a_bad_scale(scale, capsys):
    assert main(["seed-data", f"--scale={scale}"]) == 2
    err = capsys.readouterr().err
    assert "--scale" in err
    assert "more than 0 and at most 50" in err
    assert "Traceback" not in err


def test_seeded_postgresql_tables_get_planner_statistics(db):
    """Without ANALYZE, PostgreSQL plans a bulk-loaded table as if it were empty and scans it.
    SQLite plans from its indexes without statistics, so it is not analyzed."""
    from django.db import connection

    said: list[str] = []
    seed(SCALE, rng_seed=7, progress=said.append)
    if connection.vendor != "postgresql":
        assert "analyzing the tables" not in said
        return
    assert "analyzing the tables" in said
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relname IN "
            "('cases_case', 'cases_entry', 'cases_auditevent')"
        )
        estimates = dict(cursor.fetchall())
    assert estimates["cases_case"] >= Case.objects.count() * 0.9
    assert estimates["cases_entry"] > 0
    assert estimates["cases_auditevent"] > 0
