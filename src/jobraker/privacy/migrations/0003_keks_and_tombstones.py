"""KEK numbers on subject keys, and tombstones instead of emptied key rows.

Upgrade path: every existing key was wrapped by JOBRAKER_MASTER_KEY, which becomes KEK #1
(privacy/keyring.py makes it so when it creates the KEK file for a store that has keys); a row
emptied by an earlier erasure becomes a tombstone and is deleted."""

from django.db import migrations, models

KEYS = "jobraker_subject_keys"


class Migration(migrations.Migration):

    dependencies = [
        ("privacy", "0002_data_exports"),
    ]

    operations = [
        migrations.CreateModel(
            name="Kek",
            fields=[
                ("id", models.PositiveIntegerField(primary_key=True, serialize=False)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={"db_table": "jobraker_keks"},
        ),
        migrations.RunSQL("INSERT INTO jobraker_keks (id, created_at) VALUES (1, now())", migrations.RunSQL.noop),
        migrations.CreateModel(
            name="ErasedSubject",
            fields=[
                ("subject_id", models.UUIDField(primary_key=True, serialize=False)),
                ("erased_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={"db_table": "jobraker_erased_subjects"},
        ),
        migrations.RunSQL(
            f"INSERT INTO jobraker_erased_subjects (subject_id, erased_at) "
            f"SELECT subject_id, coalesce(destroyed_at, now()) FROM {KEYS} WHERE wrapped_key IS NULL; "
            f"DELETE FROM {KEYS} WHERE wrapped_key IS NULL",
            migrations.RunSQL.noop,
        ),
        migrations.RemoveField(model_name="subjectkey", name="destroyed_at"),
        migrations.AlterField(model_name="subjectkey", name="wrapped_key", field=models.BinaryField()),
        migrations.AddField(
            model_name="subjectkey",
            name="kek_id",
            field=models.PositiveIntegerField(db_index=True, default=1),
            preserve_default=False,
        ),
        migrations.RunSQL(
            f"ALTER TABLE {KEYS} ADD CONSTRAINT jobraker_subject_keys_kek_fk "
            "FOREIGN KEY (kek_id) REFERENCES jobraker_keks (id) NOT DEFERRABLE",
            f"ALTER TABLE {KEYS} DROP CONSTRAINT jobraker_subject_keys_kek_fk",
        ),
    ]
