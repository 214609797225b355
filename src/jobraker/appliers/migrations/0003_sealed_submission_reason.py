"""Personal read-model columns sealed under the candidate's key (issue 12); rows stored before are sealed here."""

import jobraker.privacy.sealed_fields
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('appliers', '0002_submissionrecord'),
    ]

    operations = [
        migrations.AlterField(
            model_name='submissionrecord',
            name='reason',
            field=jobraker.privacy.sealed_fields.SealedTextField(blank=True, subject_field='candidate_id'),
        ),
        migrations.RunPython(jobraker.privacy.sealed_fields.seal_stored_rows('appliers', 'SubmissionRecord', 'reason'), migrations.RunPython.noop),
    ]
