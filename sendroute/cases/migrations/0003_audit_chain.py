"""Each audit row keeps a hash chained to the row before it, so that an edit is detected.

The column is added with ALTER TABLE ADD COLUMN (nullable, no default), so SQLite does not rebuild
the table; the append-only guards are re-created afterwards all the same.
"""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from sendroute.cases.audit_guard import create_guards


def guards(apps: object, schema_editor: BaseDatabaseSchemaEditor) -> None:
    create_guards(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_audit_append_only")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="chain",
            field=models.CharField(blank=True, editable=False, max_length=64, null=True),
        ),
        migrations.RunPython(guards, migrations.RunPython.noop),
    ]
