"""On PostgreSQL, a trigram index makes `?search=` on units (a substring match on the label) an index scan."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS unit_label_trgm_idx ON estates_unit USING gin (UPPER(label) gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS unit_label_trgm_idx")


class Migration(migrations.Migration):
    dependencies = [("estates", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
