"""The candidate's address moves to a ``SealedTextField`` like every other sealed column (one
sealing scheme, privacy/sealed_fields.py); rows sealed the earlier way are opened and sealed again."""

import jobraker.privacy.sealed_fields
from django.db import migrations

EARLIER_FIELD = "read_model.candidate.email"  # the associated data the address was sealed with before


def reseal_addresses(apps, schema_editor):
    CandidateRecord = apps.get_model("projections", "CandidateRecord")
    rows = list(CandidateRecord.objects.exclude(email_sealed="").values_list("id", "email_sealed"))
    if not rows:
        return
    from jobraker.eventstore.app import get_jobraker
    from jobraker.privacy.sealed_fields import for_subject

    keyring = get_jobraker().keyring
    for candidate_id, sealed in rows:
        plaintext = keyring.open(candidate_id, EARLIER_FIELD, sealed)
        if plaintext is not None:  # an erased candidate's row is dropped by the projection anyway
            CandidateRecord.objects.filter(id=candidate_id).update(email=for_subject(candidate_id, plaintext.decode()))


class Migration(migrations.Migration):

    dependencies = [("projections", "0011_sealed_candidate_json_and_notification_message")]

    operations = [
        migrations.AddField(
            "candidaterecord", "email",
            jobraker.privacy.sealed_fields.SealedTextField(null=True, subject_field="id"),
        ),
        migrations.RunPython(reseal_addresses, migrations.RunPython.noop),
        migrations.RemoveField("candidaterecord", "email_sealed"),
    ]
