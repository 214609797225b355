"""Personal read-model columns sealed under the candidate's key (issue 12); rows stored before are sealed here."""

import jobraker.privacy.sealed_fields
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('delivery', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='jobalertrecord',
            name='name',
            field=jobraker.privacy.sealed_fields.SealedTextField(subject_field='candidate_id'),
        ),
        migrations.RunPython(jobraker.privacy.sealed_fields.seal_stored_rows('delivery', 'JobAlertRecord', 'name'), migrations.RunPython.noop),
    ]
