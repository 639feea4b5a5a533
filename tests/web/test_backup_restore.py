"""`sendroute backup` and `sendroute restore`: a round trip keeps every row and every file, a
damaged or foreign backup is refused, data is never overwritten without --replace, and a backup
taken while notes are being written holds every note acknowledged before it started.

The commands run as separate processes against their own databases (SQLite files, or
PostgreSQL databases named after SENDROUTE_TEST_DB_NAME when DATABASE_URL is PostgreSQL), as
they would beside a running service. SENDROUTE_FULL_PROOF=1 runs the same tests with more data
and more backups under load.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import dj_database_url
import pytest

from sendroute import backups

pytestmark = pytest.mark.proof

REPO = Path(__file__).resolve().parents[2]
DATABASE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = DATABASE_URL.startswith(("postgres://", "postgresql://"))
FULL = os.environ.get("SENDROUTE_FULL_PROOF") == "1"
SEEDED_NOTES = 3000 if FULL else 40
BACKUPS_UNDER_LOAD = 5 if FULL else 1
TODAY = "2026-11-27"

# Run in a separate process with DATABASE_URL and SENDROUTE_EVIDENCE_DIR of one database:
#   seed N   - two families' cases with N notes, an edited note, three evidence files, a bundle
#   page     - sign in as the first case's owner: the case page and every evidence download
#   write F  - add notes to the first case until the file F exists, printing "ack TITLE" after
#              each one is committed
HELPER = r"""
import datetime as dt, hashlib, io, json, os, secrets, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sendroute.web.settings")
import django
django.setup()
from django.utils import timezone
from sendroute.accounts.models import User
from sendroute.cases.models import Case, Evidence, Entry
from sendroute.cases.services import case_create, entry_create, entry_edit, share_grant
from sendroute.cases.evidence_store import evidence_save

DAY = dt.date(2026, 11, 1)
PDF = b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(64))
EML = b"From: school@example.invalid\r\nTo: family@example.invalid\r\nSubject: Meeting\r\n\r\nHello\r\n"

def upload(name, data):
    f = io.BytesIO(data)
    f.name = name
    return f

def seed(notes):
    owner = User.objects.create_user(email="family-1@example.invalid", password="p" * 16, role="parent")
    other = User.objects.create_user(email="family-2@example.invalid", password="p" * 16, role="parent")
    User.objects.create_user(email="adviser-1@example.invalid", password="p" * 16, role="adviser")
    first = case_create(owner=owner, title="Case of family one", area="norfolk", child_name="A")
    second = case_create(owner=other, title="Case of family two", area="norfolk", child_name="B")
    share_grant(case=first, actor=owner, adviser_email="adviser-1@example.invalid", access="edit")
    for i in range(notes):
        case, who = (first, owner) if i % 2 == 0 else (second, other)
        entry_create(case=case, actor=who, kind="note", title=f"seeded-{i}", body=f"body {i} é ✓", date=DAY)
    entry = Entry.objects.filter(case=first).order_by("pk").first()
    entry_edit(entry=entry, actor=owner, version=None, title="seeded-0 edited", body="changed", date=DAY)
    for name, data in (("letter.pdf", PDF), ("photo.png", PNG), ("email.eml", EML)):
        evidence_save(case=first, actor=owner, upload=upload(name, data), title=name)
    from sendroute.bundles.models import Bundle
    from sendroute.bundles.services import bundles_dir
    stored = bundles_dir() / f"{secrets.token_hex(16)}.pdf"
    stored.write_bytes(PDF + b"% bundle\n")
    Bundle.objects.create(case=first, created_by=owner, status="done", progress=100, pages=1,
                          stored_name=stored.name, sha256=hashlib.sha256(stored.read_bytes()).hexdigest(),
                          size=stored.stat().st_size, finished_at=timezone.now())

def page():
    from django.test import Client
    from sendroute.accounts.views import SIGNED_IN_AT
    case = Case.objects.order_by("pk").first()
    client = Client()
    client.force_login(case.owner)
    session = client.session
    session[SIGNED_IN_AT] = timezone.now().isoformat()
    session.save()
    response = client.get(f"/cases/{case.public_id}/")
    text = response.content.decode()
    downloads = []
    for evidence in Evidence.objects.filter(case=case).order_by("pk"):
        got = client.get(f"/cases/{case.public_id}/evidence/{evidence.public_id}/download")
        body = b"".join(got.streaming_content) if got.streaming else got.content
        downloads.append([got.status_code, hashlib.sha256(body).hexdigest() == evidence.sha256])
    print(json.dumps({"status": response.status_code, "title_shown": case.title in text,
                      "downloads": downloads}))

def write(stop):
    case = Case.objects.order_by("pk").first()
    i = 0
    while not os.path.exists(stop):
        title = f"load-{i}"
        entry_create(case=case, actor=case.owner, kind="note", title=title, body="under load", date=DAY)
        print(f"ack {title}", flush=True)
        i += 1

action = sys.argv[1]
if action == "seed":
    seed(int(sys.argv[2]))
elif action == "page":
    page()
else:
    write(sys.argv[2])
"""


@dataclass
class Place:
    """One database (SQLite file or PostgreSQL database) and its evidence folder."""

    url: str
    database: dict[str, Any]
    evidence: Path

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=self.url,
            SENDROUTE_EVIDENCE_DIR=str(self.evidence),
            SENDROUTE_TODAY=TODAY,
            DJANGO_SETTINGS_MODULE="sendroute.web.settings",
            PYTHONPATH=str(REPO),
        )
        return env


def pg_admin() -> Any:
    import psycopg

    server = dj_database_url.parse(DATABASE_URL)
    return psycopg.connect(
        dbname=server["NAME"],
        user=server["USER"] or None,
        password=server["PASSWORD"] or None,
        host=server["HOST"] or None,
        port=server["PORT"] or None,
        autocommit=True,
    )


class Places:
    """Makes databases for a test (empty, or copies of a template) and removes them after."""

    def __init__(self, root: Path, prefix: str) -> None:
        self.root = root
        self.prefix = prefix
        self.made: list[str] = []

    def make(self, label: str, template: Place | None = None) -> Place:
        evidence = self.root / f"{label}-evidence"
        if template is not None and template.evidence.exists():
            shutil.copytree(template.evidence, evidence)
        if ON_POSTGRES:
            name = f"{self.prefix}_{label}"
            with pg_admin() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
                source = f' TEMPLATE "{template.database["NAME"]}"' if template else ""
                admin.execute(f'CREATE DATABASE "{name}"{source}')
            self.made.append(name)
            url = DATABASE_URL.rsplit("/", 1)[0] + f"/{name}"
        else:
            path = self.root / f"{label}.sqlite3"
            if template is not None:
                shutil.copyfile(template.database["NAME"], path)
            url = f"sqlite:///{path}"
        database = dj_database_url.parse(url)
        return Place(url=url, database=database, evidence=evidence)

    def remove_all(self) -> None:
        if ON_POSTGRES and self.made:
            with pg_admin() as admin:
                for name in self.made:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prefix_for(scope: str) -> str:
    base = os.environ.get("SENDROUTE_TEST_DB_NAME") or "test_sendroute"
    return f"{base}_bk{os.environ.get('PYTEST_XDIST_WORKER', '')}_{scope}"


def report(text: str) -> None:
    """Measured times, shown with pytest -s."""
    sys.stdout.write(f"\n{text}\n")


def run(place: Place, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        env=place.env(),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def sendroute(place: Place, *args: str) -> subprocess.CompletedProcess[str]:
    return run(place, "-m", "sendroute.cli", *args)


def helper(place: Place, *args: str) -> subprocess.CompletedProcess[str]:
    done = run(place, "-c", HELPER, *args)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Place]]:
    """A freshly migrated empty database, and a copy of it holding a small data set."""
    places = Places(tmp_path_factory.mktemp("backup-templates"), prefix_for("tpl"))
    try:
        empty = places.make("empty")
        done = run(empty, "manage.py", "migrate", "--noinput", "-v0")
        assert done.returncode == 0, done.stderr[-2000:]
        source = places.make("source", template=empty)
        helper(source, "seed", str(SEEDED_NOTES))
        yield {"empty": empty, "source": source}
    finally:
        places.remove_all()


@pytest.fixture
def places(tmp_path: Path) -> Iterator[Places]:
    made = Places(tmp_path, prefix_for(str(abs(hash(tmp_path.name)) % 10**8)))
    try:
        yield made
    finally:
        made.remove_all()


def table_rows(conn: Any, table: str) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = conn.execute(
        f'SELECT * FROM "{table}" ORDER BY 1'  # noqa: S608 - a table name from the catalogue
    ).fetchall()
    return rows


def all_rows(place: Place) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, read without the backup module's hashing (to check it)."""
    if ON_POSTGRES:
        conn = backups.pg_connect(place.database)
        try:
            tables = [
                r[0]
                for r in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
                )
            ]
            return {t: table_rows(conn, t) for t in tables}
        finally:
            conn.close()
    conn = sqlite3.connect(place.database["NAME"])
    try:
        tables = [
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1")
        ]
        return {t: table_rows(conn, t) for t in tables}
    finally:
        conn.close()


def files_of(folder: Path) -> dict[str, str]:
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def titles_in(place: Place) -> list[str]:
    sql = "SELECT title FROM cases_entryrevision"
    if ON_POSTGRES:
        conn = backups.pg_connect(place.database)
        try:
            return [r[0] for r in conn.execute(sql)]
        finally:
            conn.close()
    conn = sqlite3.connect(place.database["NAME"])
    try:
        return [r[0] for r in conn.execute(sql)]
    finally:
        conn.close()


def backup(source: Place, folder: Path) -> dict[str, Any]:
    done = sendroute(source, "backup", str(folder))
    assert done.returncode == 0, done.stderr
    manifest: dict[str, Any] = json.loads((folder / backups.MANIFEST).read_text())
    return manifest


@pytest.fixture(scope="module")
def made_backup(templates: dict[str, Place], tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("backups") / "backup"
    backup(templates["source"], folder)
    return folder


def test_round_trip_restores_every_row_and_file_and_the_case_page_renders(
    templates: dict[str, Place], places: Places, tmp_path: Path
) -> None:
    source = templates["source"]
    started = time.monotonic()
    manifest = backup(source, tmp_path / "backup")
    backup_seconds = time.monotonic() - started
    target = places.make("target")  # a database with no tables at all
    started = time.monotonic()
    done = sendroute(target, "restore", str(tmp_path / "backup"))
    restore_seconds = time.monotonic() - started

    assert done.returncode == 0, done.stderr
    assert "content hashes match" in done.stdout
    assert all_rows(target) == all_rows(source)
    assert files_of(target.evidence) == files_of(source.evidence)
    assert len(manifest["files"]) == 4  # three evidence files and a bundle
    assert manifest["tables"]["cases_entry"]["rows"] == SEEDED_NOTES
    assert manifest["tables"]["cases_entryrevision"]["rows"] == SEEDED_NOTES + 1
    shown = json.loads(helper(target, "page").stdout)
    assert shown == {"status": 200, "title_shown": True, "downloads": [[200, True]] * 3}
    report(
        f"backup {backup_seconds:.2f}s, restore {restore_seconds:.2f}s "
        f"({SEEDED_NOTES} notes, {'PostgreSQL' if ON_POSTGRES else 'SQLite'}, commands included)"
    )


def test_a_freshly_migrated_database_counts_as_empty_and_takes_the_backup(
    templates: dict[str, Place], made_backup: Path, places: Places, settings: Any
) -> None:
    """`make run` migrates before anything else: the rows a migration makes (content types,
    permissions, the migration list) are not data that --replace is needed for."""
    target = places.make("target", template=templates["empty"])
    settings.SENDROUTE_EVIDENCE_DIR = target.evidence
    said: list[str] = []
    backups.restore(made_backup, database=target.database, say=said.append)
    assert said == []  # nothing was about to be lost
    assert all_rows(target) == all_rows(templates["source"])
    assert files_of(target.evidence) == files_of(templates["source"].evidence)


def test_the_manifest_describes_the_source_exactly(
    templates: dict[str, Place], made_backup: Path
) -> None:
    """Row counts and content hashes in the manifest are those of the source database, and a
    different row gives a different hash."""
    manifest = json.loads((made_backup / backups.MANIFEST).read_text())
    source = templates["source"]
    rows = all_rows(source)
    for table, summary in manifest["tables"].items():
        assert summary["rows"] == len(rows[table]), table
    assert manifest["database_engine"] == ("postgresql" if ON_POSTGRES else "sqlite")
    assert manifest["migrations"]["cases"] == backups.code_migrations()["cases"]
    columns = ["id", "title"]
    assert backups.rows_digest(columns, [(1, "a"), (2, "b")]) != backups.rows_digest(
        columns, [(1, "a"), (2, "c")]
    )
    assert backups.rows_digest(columns, [(1, "a")]) != backups.rows_digest(
        columns, [(1, "a"), (2, "b")]
    )


def test_backup_refuses_a_folder_that_is_not_empty_and_leaves_it_alone(
    templates: dict[str, Place], tmp_path: Path
) -> None:
    folder = tmp_path / "backup"
    folder.mkdir()
    (folder / "keep.txt").write_text("not a backup")
    done = sendroute(templates["source"], "backup", str(folder))
    assert done.returncode == 2
    assert "is not an empty folder" in done.stderr
    assert "Traceback" not in done.stderr
    assert [p.name for p in folder.iterdir()] == ["keep.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["backup"]  # no unfinished folder left


def flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def manifest_edit(folder: Path, change: Any) -> None:
    path = folder / backups.MANIFEST
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest))


def change_a_row_and_hide_it(folder: Path, places: Places) -> None:
    """Change one note in the database snapshot and record the changed snapshot's checksum in
    the manifest, so that only the row hashes can tell."""
    if ON_POSTGRES:
        scratch = places.make("scratch")
        restored = subprocess.run(
            [
                "pg_restore",
                "--no-owner",
                f"--dbname={scratch.database['NAME']}",
                str(folder / backups.POSTGRESQL_SNAPSHOT),
            ],
            env=backups.pg_command_environment(scratch.database),
            capture_output=True,
            check=False,
        )
        assert restored.returncode == 0, restored.stderr
        conn = backups.pg_connect(scratch.database)
        conn.execute("UPDATE cases_entryrevision SET body = 'changed' WHERE id = 2")
        conn.commit()
        conn.close()
        dumped = subprocess.run(
            ["pg_dump", "--format=custom", f"--file={folder / backups.POSTGRESQL_SNAPSHOT}"],
            env=backups.pg_command_environment(scratch.database),
            capture_output=True,
            check=False,
        )
        assert dumped.returncode == 0, dumped.stderr
        snapshot = folder / backups.POSTGRESQL_SNAPSHOT
    else:
        snapshot = folder / backups.SQLITE_SNAPSHOT
        conn = sqlite3.connect(snapshot)
        conn.execute("UPDATE cases_entryrevision SET body = 'changed' WHERE id = 2")
        conn.commit()
        conn.close()
    sha = backups.file_sha256(snapshot)
    manifest_edit(folder, lambda m: m["database_file"].update(sha256=sha))


def evidence_file(folder: Path) -> Path:
    manifest = json.loads((folder / backups.MANIFEST).read_text())
    return folder / backups.FILES_FOLDER / manifest["files"][0]["name"]


TAMPERING = {
    "a changed evidence file": (  # the checksums are checked before anything is restored
        lambda folder, places: flip_a_byte(evidence_file(folder)),
        "has changed since the backup was made",
    ),
    "a missing evidence file": (
        lambda folder, places: evidence_file(folder).unlink(),
        "is missing from",
    ),
    "a changed database snapshot": (
        lambda folder, places: flip_a_byte(
            folder / (backups.POSTGRESQL_SNAPSHOT if ON_POSTGRES else backups.SQLITE_SNAPSHOT)
        ),
        "database snapshot",
    ),
    "a changed row": (
        change_a_row_and_hide_it,
        "cases_entryrevision: same number of rows, different content",
    ),
    "a deleted manifest": (
        lambda folder, places: (folder / backups.MANIFEST).unlink(),
        "is not a sendroute backup",
    ),
    "a damaged manifest": (
        lambda folder, places: (folder / backups.MANIFEST).write_text("{not json"),
        "damaged",
    ),
    "another migration state": (
        lambda folder, places: manifest_edit(
            folder, lambda m: m["migrations"].update(cases="9999_from_the_future")
        ),
        "different database migration state",
    ),
    "a newer backup format": (
        lambda folder, places: manifest_edit(folder, lambda m: m.update(format_version=99)),
        "format version 99",
    ),
}


@pytest.mark.parametrize("damage", list(TAMPERING))
def test_a_damaged_or_foreign_backup_is_refused_with_a_clear_message(
    made_backup: Path, places: Places, tmp_path: Path, settings: Any, damage: str
) -> None:
    """(In this process, to keep the test quick: the exit codes of these refusals are 2, as
    the command-line tests below show.)"""
    folder = tmp_path / "backup"
    shutil.copytree(made_backup, folder)
    spoil, message = TAMPERING[damage]
    spoil(folder, places)
    target = places.make("target")
    settings.SENDROUTE_EVIDENCE_DIR = target.evidence
    if damage == "a changed row" and ON_POSTGRES:
        # PostgreSQL rows can only be read once pg_restore has run: the check after it fails.
        with pytest.raises(backups.BackupFailedError, match=message) as failed:
            backups.restore(folder, database=target.database, say=lambda text: None)
        assert "Do not use this database" in str(failed.value)
        return
    with pytest.raises(backups.BackupInputError, match=message):
        backups.restore(folder, database=target.database, say=lambda text: None)
    assert files_of(target.evidence) == {}
    assert not backups.target_data(target.database)  # nothing was restored


def test_a_damaged_backup_is_refused_by_the_command_with_exit_code_2(
    made_backup: Path, places: Places, tmp_path: Path
) -> None:
    folder = tmp_path / "backup"
    shutil.copytree(made_backup, folder)
    flip_a_byte(evidence_file(folder))
    target = places.make("target")
    for command in ("backup-verify", "restore"):
        done = sendroute(target, command, str(folder))
        assert done.returncode == 2
        assert f"{evidence_file(folder).name} in {folder} has changed" in done.stderr
        assert "Traceback" not in done.stderr
    assert not backups.target_data(target.database)


def sql_run(place: Place, sql: str, *params: Any) -> None:
    if ON_POSTGRES:
        conn = backups.pg_connect(place.database)
        conn.execute(sql, params)
        conn.commit()
        conn.close()
    else:
        conn = sqlite3.connect(place.database["NAME"])
        conn.execute(sql.replace("%s", "?"), params)
        conn.commit()
        conn.close()


def test_restore_over_data_is_refused_without_replace_and_changes_nothing(
    templates: dict[str, Place], made_backup: Path, places: Places
) -> None:
    target = places.make("target", template=templates["source"])
    sql_run(target, "UPDATE cases_case SET title = 'Changed after the backup'")
    before = all_rows(target)

    refused = sendroute(target, "restore", str(made_backup))
    assert refused.returncode == 2
    assert "already holds data" in refused.stderr
    assert "Nothing was changed" in refused.stderr
    assert "--replace" in refused.stderr
    assert all_rows(target) == before

    replaced = sendroute(target, "restore", "--replace", str(made_backup))
    assert replaced.returncode == 0, replaced.stderr
    assert "This data will be lost" in replaced.stderr
    assert "cases_case 2" in replaced.stderr
    assert all_rows(target) == all_rows(templates["source"])


def test_restore_of_a_folder_that_is_not_there_is_refused(
    templates: dict[str, Place], tmp_path: Path
) -> None:
    done = sendroute(templates["empty"], "restore", str(tmp_path / "nowhere"))
    assert done.returncode == 2
    assert "there is no backup folder" in done.stderr


def test_a_file_deleted_with_its_row_after_the_snapshot_means_a_new_snapshot(
    templates: dict[str, Place], places: Places, tmp_path: Path, settings: Any
) -> None:
    """Evidence deleted deliberately (row, then file) between the snapshot and the copying of
    its file: the backup takes a new snapshot, which no longer names the file."""
    source = places.make("live", template=templates["source"])
    settings.SENDROUTE_EVIDENCE_DIR = source.evidence
    take = backups.sqlite_snapshot_take if not ON_POSTGRES else backups.pg_snapshot_take
    snapshots = []

    def take_then_delete(database: dict[str, Any], work: Path) -> backups.Snapshot:
        snapshot = take(database, work)
        snapshots.append(snapshot)
        if len(snapshots) == 1:
            gone = next(f for f in snapshot.files if not f["name"].startswith("bundles/"))
            sql_run(source, "DELETE FROM cases_evidence WHERE stored_name = %s", gone["name"])
            (source.evidence / gone["name"]).unlink()
        return snapshot

    said: list[str] = []
    attr = "pg_snapshot_take" if ON_POSTGRES else "sqlite_snapshot_take"
    original = getattr(backups, attr)
    setattr(backups, attr, take_then_delete)
    try:
        outcome = backups.backup_create(
            tmp_path / "backup", say=said.append, database=source.database
        )
    finally:
        setattr(backups, attr, original)
    assert len(snapshots) == 2
    assert len(said) == 1
    assert "deleted (with its row) after the snapshot" in said[0]
    assert outcome.files == len(snapshots[0].files) - 1
    manifest = backups.backup_verify(tmp_path / "backup")
    assert manifest["tables"]["cases_evidence"]["rows"] == 2


def test_a_file_missing_while_its_row_remains_stops_the_backup_and_leaves_nothing(
    templates: dict[str, Place], places: Places, tmp_path: Path, settings: Any
) -> None:
    source = places.make("live", template=templates["source"])
    settings.SENDROUTE_EVIDENCE_DIR = source.evidence
    lost = sorted(p for p in source.evidence.iterdir() if p.is_file())[0]
    lost.unlink()
    out = tmp_path / "backups"
    out.mkdir()
    with pytest.raises(backups.BackupFailedError, match=f"{lost.name} is missing"):
        backups.backup_create(out / "backup", database=source.database)
    assert list(out.iterdir()) == []  # no backup folder, and no unfinished one


def test_a_changed_file_stops_the_backup_and_names_it(
    templates: dict[str, Place], places: Places, tmp_path: Path
) -> None:
    source = places.make("live", template=templates["source"])
    changed = sorted(p for p in source.evidence.iterdir() if p.is_file())[0]
    flip_a_byte(changed)
    done = sendroute(source, "backup", str(tmp_path / "backup"))
    assert done.returncode == 70
    assert f"{changed.name} is not the file that was stored" in done.stderr
    assert not (tmp_path / "backup").exists()


class Acks:
    """The notes a writer process has confirmed as saved, each with the time it said so."""

    def __init__(self, stream: Any) -> None:
        self.seen: list[tuple[float, str]] = []
        self.errors: list[str] = []
        self.thread = threading.Thread(target=self.read, args=(stream,), daemon=True)
        self.thread.start()

    def read(self, stream: Any) -> None:
        for line in stream:
            if line.startswith("ack "):
                self.seen.append((time.monotonic(), line[4:].strip()))
            else:
                self.errors.append(line)

    def titles(self) -> set[str]:
        return {title for _, title in list(self.seen)}

    def between(self, start: float, end: float) -> int:
        return sum(1 for at, _ in list(self.seen) if start <= at <= end)

    def longest_wait(self) -> float:
        """The longest time between two saved notes: how long a writer waited at worst."""
        times = [at for at, _ in list(self.seen)]
        return max((b - a for a, b in pairwise(times)), default=0.0)


def test_a_backup_taken_under_load_holds_every_note_acknowledged_before_it_started(
    templates: dict[str, Place], places: Places, tmp_path: Path
) -> None:
    source = places.make("live", template=templates["source"])
    stop = tmp_path / "stop"
    writer = subprocess.Popen(
        [sys.executable, "-c", HELPER, "write", str(stop)],
        env=source.env(),
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    acks = Acks(writer.stdout)
    rounds = []
    try:
        deadline = time.monotonic() + 120
        while len(acks.seen) < 5 and writer.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(acks.seen) >= 5, "the writer did not start"
        for n in range(BACKUPS_UNDER_LOAD):
            before = acks.titles()
            started = time.monotonic()
            done = sendroute(source, "backup", str(tmp_path / f"backup-{n}"))
            ended = time.monotonic()
            assert done.returncode == 0, done.stderr
            rounds.append((before, acks.between(started, ended), ended - started))
    finally:
        stop.touch()
        writer.wait(timeout=60)
    assert writer.returncode == 0
    assert not acks.errors
    written = acks.titles()
    assert sum(during for _, during, _ in rounds) > 0, "no note was saved while backing up"
    for n, (before, during, seconds) in enumerate(rounds):
        target = places.make(f"target{n}")
        done = sendroute(target, "restore", str(tmp_path / f"backup-{n}"))
        assert done.returncode == 0, done.stderr
        restored = {t for t in titles_in(target) if t.startswith("load-")}
        assert before <= restored, sorted(before - restored)[:5]
        assert restored <= written
        report(
            f"backup {n}: {seconds:.2f}s with {during} notes saved meanwhile; "
            f"{len(before)} acknowledged before, {len(restored)} restored"
        )
    report(f"longest wait between two saved notes: {acks.longest_wait():.2f}s")
