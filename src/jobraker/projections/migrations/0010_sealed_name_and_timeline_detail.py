"""Personal read-model columns sealed under the candidate's key (issue 12); rows stored before are sealed here."""

import jobraker.privacy.sealed_fields
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('projections', '0009_candidate_vectors_without_text'),
    ]

    operations = [
        migrations.AlterField(
            model_name='candidaterecord',
            name='name',
            field=jobraker.privacy.sealed_fields.SealedTextField(subject_field='id'),
        ),
        migrations.AlterField(
            model_name='timelineentry',
            name='detail',
            field=jobraker.privacy.sealed_fields.SealedJSONField(default=dict, subject_field='candidate_id'),
        ),
        migrations.RunPython(jobraker.privacy.sealed_fields.seal_stored_rows('projections', 'CandidateRecord', 'name'), migrations.RunPython.noop),
        migrations.RunPython(jobraker.privacy.sealed_fields.seal_stored_rows('projections', 'TimelineEntry', 'detail'), migrations.RunPython.noop),
    ]
