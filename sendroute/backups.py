"""`sendroute backup` and `sendroute restore`: a consistent copy of the database and of the
evidence files, taken while the service keeps running, and put back with proof that nothing
changed on the way.

A backup is a folder holding the database snapshot, the evidence files that rows of that
snapshot name, and ``manifest.json``: for every table its row count and a SHA-256 of its rows in
primary-key order, and for every file its size and SHA-256. The manifest is computed from the
snapshot itself, so it describes one point in time even while people keep writing.

SQLite is copied with SQLite's online backup API in one step (the copy is consistent; writers
wait while it runs). PostgreSQL is copied with ``pg_dump --snapshot``: one REPEATABLE READ
transaction exports its snapshot, pg_dump dumps exactly that snapshot, and the same transaction
computes the manifest. A backup restores into the same kind of database it was taken from.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess  # pg_dump and pg_restore, with argument lists only  # nosec B404
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_SNAPSHOT = "database.sqlite3"
POSTGRESQL_SNAPSHOT = "database.pgdump"
FILES_FOLDER = "evidence"
CHUNK = 1024 * 1024
HASH_BATCH = 5000
# Tables that a freshly migrated, empty database already has rows in.
SCAFFOLD_TABLES = frozenset(
    {"django_migrations", "django_content_type", "auth_permission", "sqlite_sequence"}
)
# A file named by the snapshot can be deleted (with its row) before it is copied; the backup
# then starts again from a new snapshot, this many times at most.
SNAPSHOT_ATTEMPTS = 3
PG_DUMP = os.environ.get("SENDROUTE_PG_DUMP", "pg_dump")
PG_RESTORE = os.environ.get("SENDROUTE_PG_RESTORE", "pg_restore")

Say = Callable[[str], None]


class BackupInputError(Exception):
    """Bad input: no such folder, not a backup, a damaged backup, a backup of another kind of
    database or migration state, or a target that holds data. Nothing was changed."""


class BackupFailedError(Exception):
    """The backup or restore could not be completed (a file the database names is missing or
    has changed; the restored database differs from the backup)."""


class FileGoneError(Exception):
    """A file named by the snapshot has gone since, together with its row."""


@dataclass
class Snapshot:
    """What a backup holds, read from its database snapshot."""

    engine: str
    tables: dict[str, dict[str, Any]]
    migrations: dict[str, str]
    files: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Outcome:
    folder: Path
    tables: int
    rows: int
    files: int
    file_bytes: int
    seconds: float


# -- the configured database ----------------------------------------------------------------


def configured_database() -> dict[str, Any]:
    """The connection settings of Django's default database (under tests, the test database)."""
    from django.db import connections

    settings_dict: dict[str, Any] = connections["default"].settings_dict
    return settings_dict


def engine_of(database: dict[str, Any]) -> str:
    engine = str(database["ENGINE"])
    if engine.endswith("sqlite3"):
        return "sqlite"
    if "postgresql" in engine:
        return "postgresql"
    raise BackupInputError(f"sendroute cannot back up a database of the kind {engine}.")


def evidence_root() -> Path:
    from django.conf import settings

    return Path(settings.SENDROUTE_EVIDENCE_DIR)


def sqlite_name(database: dict[str, Any]) -> str:
    name = str(database["NAME"])
    if name == ":memory:":
        raise BackupInputError("the database is in memory only; there is nothing to back up.")
    return name


def sqlite_connect(name: str | Path, *, read_only: bool = False) -> sqlite3.Connection:
    """A plain sqlite3 connection (no type conversion, so values hash as stored)."""
    if read_only:
        return sqlite3.connect(f"file:{Path(name).resolve()}?mode=ro", uri=True, timeout=20)
    return sqlite3.connect(str(name), uri=True, timeout=20)


def pg_connect(database: dict[str, Any]) -> Any:
    import psycopg

    params = {
        "dbname": database["NAME"],
        "user": database.get("USER") or None,
        "password": database.get("PASSWORD") or None,
        "host": database.get("HOST") or None,
        "port": database.get("PORT") or None,
    }
    return psycopg.connect(**{k: v for k, v in params.items() if v is not None})


def pg_command_environment(database: dict[str, Any]) -> dict[str, str]:
    """pg_dump/pg_restore connection settings, passed in the environment so that the password
    never appears on a command line or in any output."""
    env = dict(os.environ)
    for key, name in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        if database.get(key):
            env[name] = str(database[key])
    return env


def pg_run(command: list[str], database: dict[str, Any], what: str) -> None:
    done = subprocess.run(  # noqa: S603 - pg_dump/pg_restore with an argument list, no shell  # nosec B603
        command, env=pg_command_environment(database), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        detail = (done.stderr or "").strip().splitlines()
        raise BackupFailedError(f"{what} failed: {detail[-1] if detail else done.returncode}")


# -- content hashes -------------------------------------------------------------------------


def rows_digest(columns: list[str], rows: Iterable[tuple[Any, ...]]) -> dict[str, Any]:
    """Row count and SHA-256 of rows (already in primary-key order): a line of the column names,
    then one line per row, the row as Python writes the values the database driver returns
    (repr: exact for text, numbers, bytes and dates, and quick: it runs in C, a batch at a
    time). So a changed value, a lost or extra row, a changed order or a changed column all
    change the hash. Values read from SQLite and from PostgreSQL differ in type, so a hash
    compares SQLite with SQLite and PostgreSQL with PostgreSQL."""
    digest = hashlib.sha256(json.dumps(columns).encode() + b"\n")
    count = 0
    rows = iter(rows)
    while batch := list(islice(rows, HASH_BATCH)):
        digest.update(("\n".join(map(repr, batch)) + "\n").encode("utf-8", "surrogatepass"))
        count += len(batch)
    return {"rows": count, "sha256": digest.hexdigest()}


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def select_in_key_order(table: str, columns: list[str], keys: list[str]) -> str:
    order = ", ".join(quoted(c) for c in (keys or columns))
    # Names come from the database's own catalogue, quoted; no value is put into SQL text.
    return f"SELECT {', '.join(quoted(c) for c in columns)} FROM {quoted(table)} ORDER BY {order}"  # noqa: S608 - quoted catalogue names  # nosec B608


def sqlite_table_layout(conn: sqlite3.Connection) -> dict[str, tuple[list[str], list[str]]]:
    """Every table: its columns (by name) and its primary-key columns."""
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    layout = {}
    for table in names:
        # nosemgrep: sendroute-no-sql-string-formatting - a quoted table name from sqlite_master
        info = conn.execute(f"PRAGMA table_info({quoted(table)})").fetchall()
        columns = sorted(r[1] for r in info)
        keys = [r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5])]
        layout[table] = (columns, keys)
    return layout


def sqlite_tables_summary(conn: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    return {
        table: rows_digest(columns, conn.execute(select_in_key_order(table, columns, keys)))
        for table, (columns, keys) in sqlite_table_layout(conn).items()
    }


PG_LAYOUT = """
SELECT c.table_name, c.column_name,
       COALESCE((SELECT k.ordinal_position FROM information_schema.table_constraints t
                 JOIN information_schema.key_column_usage k
                   ON k.constraint_name = t.constraint_name AND k.table_schema = t.table_schema
                  AND k.table_name = t.table_name
                 WHERE t.constraint_type = 'PRIMARY KEY' AND t.table_schema = c.table_schema
                   AND t.table_name = c.table_name AND k.column_name = c.column_name), 0)
FROM information_schema.columns c
JOIN information_schema.tables tb
  ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name
WHERE c.table_schema = current_schema() AND tb.table_type = 'BASE TABLE'
ORDER BY c.table_name, c.column_name
"""


def pg_table_layout(conn: Any) -> dict[str, tuple[list[str], list[str]]]:
    found: dict[str, list[tuple[str, int]]] = {}
    for table, column, key_position in conn.execute(PG_LAYOUT).fetchall():
        found.setdefault(table, []).append((column, key_position))
    return {
        table: (
            sorted(c for c, _ in cols),
            [c for c, k in sorted((x for x in cols if x[1]), key=lambda x: x[1])],
        )
        for table, cols in sorted(found.items())
    }


def pg_rows(conn: Any, sql: str) -> Iterator[tuple[Any, ...]]:
    with conn.cursor(name=f"backup_{uuid.uuid4().hex}") as cursor:
        cursor.itersize = 2000
        cursor.execute(sql)
        yield from cursor


def pg_tables_summary(conn: Any) -> dict[str, dict[str, Any]]:
    return {
        table: rows_digest(columns, pg_rows(conn, select_in_key_order(table, columns, keys)))
        for table, (columns, keys) in pg_table_layout(conn).items()
    }


# -- what a snapshot holds ------------------------------------------------------------------

FILES_SQL = (
    "SELECT stored_name, size, sha256 FROM cases_evidence ORDER BY stored_name",
    "SELECT 'bundles/' || stored_name, size, sha256 FROM bundles_bundle "
    "WHERE stored_name <> '' ORDER BY stored_name",
)
MIGRATIONS_SQL = "SELECT app, MAX(name) FROM django_migrations GROUP BY app ORDER BY app"


def snapshot_files(fetch: Callable[[str], list[tuple[Any, ...]]]) -> list[dict[str, Any]]:
    """Every stored file a row of the snapshot names (evidence, and finished bundles), as a
    path inside the evidence folder with the size and SHA-256 recorded when it was stored."""
    files = []
    for sql in FILES_SQL:
        for name, size, sha256 in fetch(sql):
            files.append({"name": str(name), "size": int(size), "sha256": str(sha256)})
    return files


def sqlite_snapshot_read(conn: sqlite3.Connection) -> Snapshot:
    def fetch(sql: str) -> list[tuple[Any, ...]]:
        return conn.execute(sql).fetchall()

    return Snapshot(
        engine="sqlite",
        tables=sqlite_tables_summary(conn),
        migrations=dict(fetch(MIGRATIONS_SQL)),
        files=snapshot_files(fetch),
    )


def pg_snapshot_read(conn: Any) -> Snapshot:
    def fetch(sql: str) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = conn.execute(sql).fetchall()
        return rows

    return Snapshot(
        engine="postgresql",
        tables=pg_tables_summary(conn),
        migrations=dict(fetch(MIGRATIONS_SQL)),
        files=snapshot_files(fetch),
    )


def sqlite_integrity_check(conn: sqlite3.Connection, what: str, *, quick: bool = False) -> None:
    """SQLite's integrity check; quick leaves out the check of every index against its table
    (about seven times faster), for a page-by-page copy of a snapshot that passed the full one."""
    pragma = "PRAGMA quick_check" if quick else "PRAGMA integrity_check"
    result = [r[0] for r in conn.execute(pragma).fetchall()]
    if result != ["ok"]:
        raise BackupInputError(f"{what} fails SQLite's integrity check: {'; '.join(result[:3])}")


# -- taking the snapshot --------------------------------------------------------------------


def sqlite_snapshot_take(database: dict[str, Any], work: Path) -> Snapshot:
    """Copy the live SQLite database with the online backup API, in one step: the copy is of
    one moment (writers wait for the few seconds it takes, within their 20-second timeout,
    instead of restarting a step-by-step copy after every write)."""
    name = sqlite_name(database)
    if name.startswith("file:"):
        source = sqlite_connect(name)
    elif Path(name).is_file():
        source = sqlite_connect(name, read_only=True)
    else:
        raise BackupInputError(f"there is no database file {name} to back up.")
    copy = sqlite3.connect(work / SQLITE_SNAPSHOT)
    try:
        source.backup(copy, pages=-1)
        source.close()
        sqlite_integrity_check(copy, "the copy of the database")
        return sqlite_snapshot_read(copy)
    finally:
        source.close()
        copy.close()


def pg_snapshot_take(database: dict[str, Any], work: Path) -> Snapshot:
    """One REPEATABLE READ, read-only transaction exports its snapshot; pg_dump dumps that very
    snapshot while the transaction stays open, and the transaction reads the manifest, so the
    dump and the manifest describe the same moment."""
    import psycopg

    conn = pg_connect(database)
    try:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        snapshot_id = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        pg_run(
            [
                PG_DUMP,
                "--format=custom",
                f"--snapshot={snapshot_id}",
                "--no-password",
                f"--file={work / POSTGRESQL_SNAPSHOT}",
            ],
            database,
            "pg_dump",
        )
        return pg_snapshot_read(conn)
    finally:
        conn.rollback()
        conn.close()


def file_copy_checked(source: Path, target: Path, expected: dict[str, Any]) -> None:
    """Copy one stored file, checking its size and SHA-256 against ``expected`` as it goes.
    FileNotFoundError if it is missing; BackupFailedError if it is not the file recorded."""
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with source.open("rb") as src, target.open("wb") as out:
        while block := src.read(CHUNK):
            digest.update(block)
            size += len(block)
            out.write(block)
        out.flush()
        os.fsync(out.fileno())
    os.chmod(target, 0o600)
    if size != expected["size"] or digest.hexdigest() != expected["sha256"]:
        raise BackupFailedError(
            f"the evidence file {expected['name']} is not the file that was stored (its size or "
            "SHA-256 has changed). It may be damaged; the backup was not made."
        )


def live_row_exists(database: dict[str, Any], name: str) -> bool:
    """Whether the live database still has the row that names this file."""
    if name.startswith("bundles/"):
        sql = "SELECT 1 FROM bundles_bundle WHERE stored_name = {}"
        name = name.removeprefix("bundles/")
    else:
        sql = "SELECT 1 FROM cases_evidence WHERE stored_name = {}"
    if engine_of(database) == "sqlite":
        conn = sqlite_connect(sqlite_name(database))
        try:
            # nosemgrep: sendroute-no-sql-string-formatting - only the placeholder is formatted in; the name is a parameter
            return conn.execute(sql.format("?"), (name,)).fetchone() is not None
        finally:
            conn.close()
    pg = pg_connect(database)
    try:
        # nosemgrep: sendroute-no-sql-string-formatting - only the placeholder is formatted in; the name is a parameter
        return pg.execute(sql.format("%s"), (name,)).fetchone() is not None
    finally:
        pg.close()


def files_copy(database: dict[str, Any], snapshot: Snapshot, work: Path) -> int:
    """Copy every file the snapshot names. A file that is missing because its row has been
    deleted since the snapshot raises FileGoneError (take a new snapshot); a file missing while
    its row is still there is lost evidence: BackupFailedError naming it."""
    root = evidence_root()
    total = 0
    for entry in snapshot.files:
        try:
            file_copy_checked(root / entry["name"], work / FILES_FOLDER / entry["name"], entry)
        except FileNotFoundError:
            if not live_row_exists(database, entry["name"]):
                raise FileGoneError(entry["name"]) from None
            raise BackupFailedError(
                f"the evidence file {entry['name']} is missing from {root}, but the database "
                "still names it. The backup was not made."
            ) from None
        total += entry["size"]
    return total


def sendroute_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sendroute")
    except PackageNotFoundError:
        return "unknown"


def manifest_for(snapshot: Snapshot, database_file: Path) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "sendroute_version": sendroute_version(),
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "database_engine": snapshot.engine,
        "database_file": {
            "name": database_file.name,
            "size": database_file.stat().st_size,
            "sha256": file_sha256(database_file),
        },
        "migrations": snapshot.migrations,
        "tables": snapshot.tables,
        "files": snapshot.files,
    }


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def folder_fsync(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def backup_target_check(dest: Path) -> None:
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupInputError(
            f"{dest} already exists and is not an empty folder. Choose a new folder for the "
            "backup; an existing one is never overwritten."
        )
    if not dest.parent.is_dir():
        raise BackupInputError(f"there is no folder {dest.parent} to put the backup in.")


def snapshot_and_files_take(database: dict[str, Any], work: Path, say: Say) -> Snapshot:
    take = sqlite_snapshot_take if engine_of(database) == "sqlite" else pg_snapshot_take
    for attempt in range(1, SNAPSHOT_ATTEMPTS + 1):
        snapshot = take(database, work)
        try:
            files_copy(database, snapshot, work)
            return snapshot
        except FileGoneError as gone:
            say(
                f"The file {gone} was deleted (with its row) after the snapshot was taken; "
                "taking a new snapshot."
            )
            for child in work.iterdir():
                shutil.rmtree(child) if child.is_dir() else child.unlink()
            if attempt == SNAPSHOT_ATTEMPTS:
                break
    raise BackupFailedError(
        f"evidence files kept being deleted while the backup ran ({SNAPSHOT_ATTEMPTS} "
        "snapshots). Try again at a quieter time."
    )


def backup_create(
    dest: Path, *, say: Say = print, database: dict[str, Any] | None = None
) -> Outcome:
    """Make a backup in the new folder ``dest``: written to a temporary folder beside it and
    renamed only once complete, so a failed backup never leaves a folder that looks whole."""
    started = time.monotonic()
    dest = Path(dest).absolute()
    backup_target_check(dest)
    database = database or configured_database()
    work = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{dest.name}.unfinished-"))
    try:
        snapshot = snapshot_and_files_take(database, work, say)
        db_file = work / (SQLITE_SNAPSHOT if snapshot.engine == "sqlite" else POSTGRESQL_SNAPSHOT)
        manifest = manifest_for(snapshot, db_file)
        manifest_path = work / MANIFEST
        manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        os.chmod(db_file, 0o600)  # it holds records about children: the owner only
        os.chmod(manifest_path, 0o600)
        with manifest_path.open("rb") as f:
            os.fsync(f.fileno())
        folder_fsync(work)
        if dest.exists():
            dest.rmdir()  # empty, checked above
        os.rename(work, dest)
        folder_fsync(dest.parent)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return Outcome(
        folder=dest,
        tables=len(snapshot.tables),
        rows=sum(t["rows"] for t in snapshot.tables.values()),
        files=len(snapshot.files),
        file_bytes=sum(f["size"] for f in snapshot.files),
        seconds=time.monotonic() - started,
    )


# -- checking a backup ----------------------------------------------------------------------


def manifest_read(src: Path) -> dict[str, Any]:
    if not src.is_dir():
        raise BackupInputError(f"there is no backup folder {src}.")
    path = src / MANIFEST
    if not path.is_file():
        raise BackupInputError(f"{src} is not a sendroute backup: it has no {MANIFEST}.")
    try:
        manifest = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError):
        raise BackupInputError(f"the {MANIFEST} of {src} is damaged (not readable JSON).") from None
    if not isinstance(manifest, dict) or manifest.get("format_version") != FORMAT_VERSION:
        found = manifest.get("format_version") if isinstance(manifest, dict) else None
        raise BackupInputError(
            f"{src} is a backup of format version {found}; this sendroute reads version "
            f"{FORMAT_VERSION}."
        )
    for key in ("database_engine", "database_file", "migrations", "tables", "files"):
        if key not in manifest:
            raise BackupInputError(f"the {MANIFEST} of {src} is damaged (it has no {key}).")
    return manifest


def code_migrations() -> dict[str, str]:
    """The latest migration of every app, as this version of sendroute defines them."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    latest: dict[str, str] = {}
    for app, name in loader.graph.leaf_nodes():
        latest[app] = max(latest.get(app, name), name)
    return latest


def migrations_check(manifest: dict[str, Any]) -> None:
    ours = code_migrations()
    theirs = manifest["migrations"]
    differ = sorted(app for app in set(ours) | set(theirs) if ours.get(app) != theirs.get(app))
    if differ:
        detail = ", ".join(
            f"{app}: backup {theirs.get(app, 'none')}, this sendroute {ours.get(app, 'none')}"
            for app in differ
        )
        raise BackupInputError(
            "the backup was taken at a different database migration state than this version of "
            f"sendroute uses ({detail}). Restore it with the sendroute version that made it "
            f"({manifest.get('sendroute_version', 'unknown')})."
        )


def differences(expected: dict[str, Any], found: dict[str, Any]) -> list[str]:
    """Tables whose row count or content hash differ, described without any row data."""
    out = []
    for table in sorted(set(expected) | set(found)):
        want, got = expected.get(table), found.get(table)
        if want is None or got is None:
            out.append(f"{table}: {'missing' if got is None else 'not in the backup'}")
        elif want["rows"] != got["rows"]:
            out.append(f"{table}: {got['rows']} rows, the backup has {want['rows']}")
        elif want["sha256"] != got["sha256"]:
            out.append(f"{table}: same number of rows, different content")
    return out


def backup_verify(src: Path, *, database: dict[str, Any] | None = None) -> dict[str, Any]:
    """Check a backup before it is used: its manifest, the SHA-256 of the database snapshot and
    of every evidence file, and for SQLite the snapshot's integrity and its row counts and
    hashes against the manifest. Returns the manifest; BackupInputError names what is wrong."""
    src = Path(src).absolute()
    manifest = manifest_read(src)
    if database is not None and manifest["database_engine"] != engine_of(database):
        raise BackupInputError(
            f"this is a backup of a {manifest['database_engine']} database, but sendroute is "
            f"set up to use {engine_of(database)}. A backup restores into the same kind of "
            "database."
        )
    db_file = src / manifest["database_file"]["name"]
    if db_file.name not in (SQLITE_SNAPSHOT, POSTGRESQL_SNAPSHOT) or not db_file.is_file():
        raise BackupInputError(f"the backup {src} has no database snapshot.")
    if file_sha256(db_file) != manifest["database_file"]["sha256"]:
        raise BackupInputError(
            f"the database snapshot {db_file.name} in {src} has changed since the backup was "
            "made (its SHA-256 differs). The backup is damaged."
        )
    for entry in manifest["files"]:
        path = src / FILES_FOLDER / entry["name"]
        if not path.is_file():
            raise BackupInputError(f"the evidence file {entry['name']} is missing from {src}.")
        if path.stat().st_size != entry["size"] or file_sha256(path) != entry["sha256"]:
            raise BackupInputError(
                f"the evidence file {entry['name']} in {src} has changed since the backup was "
                "made (its SHA-256 differs). The backup is damaged."
            )
    if manifest["database_engine"] == "sqlite":
        conn = sqlite_connect(db_file, read_only=True)
        try:
            sqlite_integrity_check(conn, f"the database snapshot in {src}")
            found = sqlite_tables_summary(conn)
        finally:
            conn.close()
        wrong = differences(manifest["tables"], found)
        if wrong:
            raise BackupInputError(
                f"the database snapshot in {src} does not match its manifest ("
                + "; ".join(wrong)
                + "). The backup is damaged."
            )
    return manifest


# -- restoring ------------------------------------------------------------------------------


def row_count(conn: Any, table: str) -> int:
    # nosemgrep: sendroute-no-sql-string-formatting - a quoted table name from the catalogue
    count: int = conn.execute(f"SELECT COUNT(*) FROM {quoted(table)}").fetchone()[0]  # noqa: S608 - quoted catalogue name  # nosec B608
    return count


def target_data(database: dict[str, Any]) -> dict[str, int]:
    """Rows in every table of the target that holds data (not the tables a fresh migration
    fills)."""
    if engine_of(database) == "sqlite":
        name = sqlite_name(database)
        if not name.startswith("file:") and not Path(name).exists():
            return {}
        conn = sqlite_connect(name)
        try:
            counts = {t: row_count(conn, t) for t in sqlite_table_layout(conn)}
        finally:
            conn.close()
    else:
        pg = pg_connect(database)
        try:
            counts = {t: row_count(pg, t) for t in pg_table_layout(pg)}
        finally:
            pg.close()
    return {t: n for t, n in counts.items() if n and t not in SCAFFOLD_TABLES}


def sqlite_restore(src: Path, database: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Write the snapshot over the target through SQLite's backup API (so any connection still
    open sees the new content rather than a replaced file), then read it back."""
    source = sqlite_connect(src / SQLITE_SNAPSHOT, read_only=True)
    target = sqlite_connect(sqlite_name(database))
    try:
        source.backup(target, pages=-1)
        sqlite_integrity_check(target, "the restored database", quick=True)
        return sqlite_tables_summary(target)
    finally:
        source.close()
        target.close()


def pg_restore(src: Path, database: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """pg_restore in one transaction, dropping the target's tables first (--clean), so the
    database is either wholly the backup or, on any error, left as it was."""
    pg_run(
        [
            PG_RESTORE,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            "--no-password",
            f"--dbname={database['NAME']}",
            str(src / POSTGRESQL_SNAPSHOT),
        ],
        database,
        "pg_restore",
    )
    conn = pg_connect(database)
    try:
        summary = pg_tables_summary(conn)
        conn.rollback()
        return summary
    finally:
        conn.close()


def files_restore(src: Path, files: list[dict[str, Any]]) -> list[str]:
    """Copy the backup's evidence files into the evidence folder (each to a temporary name,
    then renamed), and check each one there. Returns the names that do not match."""
    root = evidence_root()
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    wrong = []
    for entry in files:
        target = root / entry["name"]
        if not (target.is_file() and file_sha256(target) == entry["sha256"]):
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(dir=target.parent, prefix=".restore-", suffix=".part")
            os.close(handle)
            shutil.copyfile(src / FILES_FOLDER / entry["name"], temp)
            os.chmod(temp, 0o600)
            os.replace(temp, target)
        if target.stat().st_size != entry["size"] or file_sha256(target) != entry["sha256"]:
            wrong.append(entry["name"])
    return wrong


def loss_description(existing: dict[str, int]) -> str:
    rows = sum(existing.values())
    biggest = sorted(existing.items(), key=lambda kv: (-kv[1], kv[0]))[:8]
    listed = ", ".join(f"{t} {n}" for t, n in biggest)
    more = "" if len(existing) <= len(biggest) else f" and {len(existing) - len(biggest)} more"
    return f"{rows} rows in {len(existing)} tables ({listed}{more})"


def restore(
    src: Path, *, replace: bool = False, say: Say = print, database: dict[str, Any] | None = None
) -> Outcome:
    """Check the backup, refuse to overwrite data unless ``replace``, restore the database and
    the evidence files, then prove the result: row counts and content hashes of the restored
    database, and every file's SHA-256, against the manifest."""
    started = time.monotonic()
    src = Path(src).absolute()
    database = database or configured_database()
    manifest = backup_verify(src, database=database)
    migrations_check(manifest)
    existing = target_data(database)
    if existing and not replace:
        raise BackupInputError(
            f"the database already holds data: {loss_description(existing)}. Nothing was "
            "changed. To replace it with the backup, and lose that data, add --replace."
        )
    if existing:
        say(f"Replacing the database. This data will be lost: {loss_description(existing)}.")
    from django.db import connections

    connections.close_all()
    if manifest["database_engine"] == "sqlite":
        found = sqlite_restore(src, database)
    else:
        found = pg_restore(src, database)
    wrong = differences(manifest["tables"], found)
    wrong_files = files_restore(src, manifest["files"])
    wrong += [f"evidence file {name}: different from the backup" for name in wrong_files]
    if wrong:
        raise BackupFailedError(
            "the restored data does not match the backup: "
            + "; ".join(wrong)
            + ". Do not use this database; restore again from a good backup."
        )
    return Outcome(
        folder=src,
        tables=len(found),
        rows=sum(t["rows"] for t in found.values()),
        files=len(manifest["files"]),
        file_bytes=sum(f["size"] for f in manifest["files"]),
        seconds=time.monotonic() - started,
    )


def outcome_text(verb: str, outcome: Outcome) -> str:
    return (
        f"{verb} {outcome.rows} rows in {outcome.tables} tables and {outcome.files} evidence "
        f"files ({outcome.file_bytes / 1_000_000:.1f} MB) in {outcome.seconds:.1f} seconds; "
        "row counts and content hashes match the manifest."
    )


# -- the commands ---------------------------------------------------------------------------


def command(args: Any) -> int:
    """`sendroute backup DIR`, `sendroute restore DIR [--replace]`, `sendroute backup-verify
    DIR`: 0 done, 2 bad input (nothing changed), 70 could not be completed."""
    import sys

    def say(text: str) -> None:
        sys.stderr.write(text + "\n")

    def show(text: str) -> None:
        sys.stdout.write(text + "\n")

    try:
        if args.command == "backup":
            outcome = backup_create(Path(args.folder), say=say)
            show(f"Backed up to {outcome.folder}.")
            show(outcome_text("Copied", outcome))
        elif args.command == "restore":
            outcome = restore(Path(args.folder), replace=args.replace, say=say)
            show(f"Restored from {outcome.folder}.")
            show(outcome_text("Restored", outcome))
        else:
            manifest = backup_verify(Path(args.folder))
            rows = sum(t["rows"] for t in manifest["tables"].values())
            show(
                f"{args.folder} is a complete {manifest['database_engine']} backup made "
                f"{manifest.get('created_at')}: {rows} rows in {len(manifest['tables'])} tables "
                f"and {len(manifest['files'])} evidence files, every checksum matching."
            )
        return 0
    except BackupInputError as exc:
        say(f"sendroute: {exc}")
        return 2
    except BackupFailedError as exc:
        say(f"sendroute: {exc}")
        return 70
    except (sqlite3.Error, OSError) as exc:
        say(f"sendroute: the database or a folder could not be used: {first_line(exc)}")
        return 70
    except Exception as exc:
        if type(exc).__module__.startswith("psycopg"):
            say(f"sendroute: the PostgreSQL database could not be used: {first_line(exc)}")
            return 70
        raise


def first_line(exc: BaseException) -> str:
    """The first line of an error from SQLite, PostgreSQL or the file system (these name the
    file, server or table, never a password or any row's content)."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
