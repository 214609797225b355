"""Personal read-model columns sealed under the candidate's key (issue 12); rows stored before are sealed here."""

import jobraker.privacy.sealed_fields
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('projections', '0010_sealed_name_and_timeline_detail'),
    ]

    operations = [
        migrations.AlterField(
            model_name='candidaterecord',
            name='consents',
            field=jobraker.privacy.sealed_fields.SealedJSONField(default=dict, subject_field='id'),
        ),
        migrations.AlterField(
            model_name='candidaterecord',
            name='preferences',
            field=jobraker.privacy.sealed_fields.SealedJSONField(default=dict, subject_field='id'),
        ),
        migrations.AlterField(
            model_name='candidaterecord',
            name='profile',
            field=jobraker.privacy.sealed_fields.SealedJSONField(default=dict, subject_field='id'),
        ),
        migrations.AlterField(
            model_name='candidaterecord',
            name='resume',
            field=jobraker.privacy.sealed_fields.SealedJSONField(null=True, subject_field='id'),
        ),
        migrations.AlterField(
            model_name='notificationrecord',
            name='message',
            field=jobraker.privacy.sealed_fields.SealedTextField(subject_field='candidate_id'),
        ),
        migrations.RunPython(jobraker.privacy.sealed_fields.seal_stored_rows('projections', 'CandidateRecord', 'profile'), migrations.RunPython.noop),
        migrations.RunPython(jobraker.privacy.sealed_fields.seal_stored_rows('projections', 'CandidateRecord', 'preferences'), migrations.RunPython.noop),
        migrations.RunPython(jobraker.privacy.sealed_fields.seal_stored_rows('projections', 'CandidateRecord', 'consents'), migrations.RunPython.noop),
        migrations.RunPython(jobraker.privacy.sealed_fields.seal_stored_rows('projections', 'CandidateRecord', 'resume'), migrations.RunPython.noop),
        migrations.RunPython(jobraker.privacy.sealed_fields.seal_stored_rows('projections', 'NotificationRecord', 'message'), migrations.RunPython.noop),
    ]
