"""The database itself refuses to change or delete audit rows and sign-in records (append only).

SQLite and PostgreSQL each get a trigger that aborts any UPDATE or DELETE of a row. (Test set-up
drops and re-creates these around transactional tests' table flushes: see tests/conftest.py.)
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from sendroute.cases.audit_guard import create_guards, drop_guards


def forwards(apps: object, schema_editor: BaseDatabaseSchemaEditor) -> None:
    create_guards(schema_editor.connection)


def backwards(apps: object, schema_editor: BaseDatabaseSchemaEditor) -> None:
    drop_guards(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_case_file"),
        ("accounts", "0003_totp_device"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
