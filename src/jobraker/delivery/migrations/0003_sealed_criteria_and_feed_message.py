"""Personal read-model columns sealed under the candidate's key (issue 12); rows stored before are sealed here."""

import jobraker.privacy.sealed_fields
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('delivery', '0002_sealed_alert_name'),
    ]

    operations = [
        migrations.AlterField(
            model_name='jobalertrecord',
            name='criteria',
            field=jobraker.privacy.sealed_fields.SealedJSONField(default=dict, subject_field='candidate_id'),
        ),
        migrations.AlterField(
            model_name='notificationfeedentry',
            name='message',
            field=jobraker.privacy.sealed_fields.SealedTextField(subject_field='candidate_id'),
        ),
        migrations.RunPython(jobraker.privacy.sealed_fields.seal_stored_rows('delivery', 'JobAlertRecord', 'criteria'), migrations.RunPython.noop),
        migrations.RunPython(jobraker.privacy.sealed_fields.seal_stored_rows('delivery', 'NotificationFeedEntry', 'message'), migrations.RunPython.noop),
    ]
