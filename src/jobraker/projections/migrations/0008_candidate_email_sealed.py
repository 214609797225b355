"""The candidates read model keeps the address sealed with the candidate's key, and whether
it is verified (candidates registered before verification existed count as verified)."""

from django.db import migrations, models


def seal_existing_addresses(apps, schema_editor):
    CandidateRecord = apps.get_model("projections", "CandidateRecord")
    rows = list(CandidateRecord.objects.all().only("id", "email"))
    if not rows:
        return
    from jobraker.privacy.sealed_email import seal_email

    for row in rows:
        CandidateRecord.objects.filter(id=row.id).update(email_sealed=seal_email(row.id, row.email))


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
