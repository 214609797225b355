"""The candidates read model keeps the address sealed with the candidate's key, and whether
it is verified (candidates registered before verification existed count as verified)."""

from django.db import migrations, models


def seal_existing_addresses(apps, schema_editor):
    CandidateRecord = apps.get_model("projections", "CandidateRecord")
    rows = list(CandidateRecord.objects.all().only("id", "email"))
    if not rows:
        return
    from jobraker.eventstore.app import get_jobraker

    keyring = get_jobraker().keyring
    for row in rows:
        sealed = keyring.seal(row.id, "read_model.candidate.email", row.email.encode())  # resealed by 0012
        CandidateRecord.objects.filter(id=row.id).update(email_sealed=sealed)


class Migration(migrations.Migration):

    dependencies = [("projections", "0007_failure_isolation")]

    operations = [
        migrations.AddField("candidaterecord", "email_sealed", models.TextField(default="")),
        migrations.AddField("candidaterecord", "address_verified", models.BooleanField(default=True)),
        migrations.RunPython(seal_existing_addresses, migrations.RunPython.noop),
        migrations.RemoveField("candidaterecord", "email"),
        migrations.AlterField("candidaterecord", "email_sealed", models.TextField()),
        migrations.AlterField("candidaterecord", "address_verified", models.BooleanField(default=False)),
    ]
