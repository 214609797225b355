"""The index of each candidate's streams, written with their creation events from now on, and
filled here from the creation events an existing store holds (their clear ``candidate_id``:
nothing is decrypted). A new store has no events table yet at this point: nothing to fill."""

from django.db import migrations, models


def backfill(apps, schema_editor):  # type: ignore[no-untyped-def]
    from jobraker.eventstore.app import events_table_name
    from jobraker.privacy.streams import backfill

    with schema_editor.connection.cursor() as cursor:
        backfill(cursor, events_table_name())


class Migration(migrations.Migration):

    dependencies = [
        ("privacy", "0003_keks_and_tombstones"),
    ]

    operations = [
        migrations.CreateModel(
            name="SubjectStream",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("stream_id", models.UUIDField(unique=True)),
                ("subject_id", models.UUIDField(db_index=True)),
                ("topic", models.CharField(max_length=200)),
            ],
            options={"db_table": "jobraker_subject_streams"},
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
