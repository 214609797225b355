"""Personal read-model columns sealed under the candidate's key (issue 12); rows stored before are sealed here."""

import jobraker.privacy.sealed_fields
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('assistant', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='conversationrecord',
            name='title',
            field=jobraker.privacy.sealed_fields.SealedTextField(blank=True, subject_field='candidate_id'),
        ),
        migrations.RunPython(jobraker.privacy.sealed_fields.seal_stored_rows('assistant', 'ConversationRecord', 'title'), migrations.RunPython.noop),
    ]
