"""Database triggers that make the audit tables append only, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

GUARDED_TABLES = ("cases_auditevent", "accounts_signinattempt", "accounts_twofactorattempt")
MESSAGE = "audit records are append only"


def _sqlite(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        for op in ("UPDATE", "DELETE")
    ]


def _postgresql(table: str) -> list[str]:
    return [
        "CREATE OR REPLACE FUNCTION sendroute_refuse_change() RETURNS trigger AS $$ "
        f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$ LANGUAGE plpgsql",
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION sendroute_refuse_change()",
    ]


def create_guards(connection: Any) -> None:
    vendor = connection.vendor
    with connection.cursor() as cursor:
        for table in GUARDED_TABLES:
            statements = _sqlite(table) if vendor == "sqlite" else _postgresql(table)
            for sql in statements:
                cursor.execute(sql)


def drop_guards(connection: Any) -> None:
    vendor = connection.vendor
    with connection.cursor() as cursor:
        for table in GUARDED_TABLES:
            if vendor == "sqlite":
                for op in ("update", "delete"):
                    # nosemgrep: sendroute-no-sql-string-formatting - names from GUARDED_TABLES, a constant
                    cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op}")
            else:
                # nosemgrep: sendroute-no-sql-string-formatting - names from GUARDED_TABLES, a constant
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
