"""The pre-rendered matches page stored as sealed bytes instead of base64 text (issue 15): the
old pages are dropped, and the refresh worker renders each again (it renders every summary
without a page); until then the API reads the rows."""

from django.db import migrations

import jobraker.privacy.sealed_fields


class Migration(migrations.Migration):

    dependencies = [
        ('projections', '0020_match_pages'),
    ]

    operations = [
        migrations.RemoveField(model_name='matchsummary', name='page'),
        migrations.AddField(
            model_name='matchsummary',
            name='page',
            field=jobraker.privacy.sealed_fields.SealedBinaryTextField(null=True, subject_field='candidate_id'),
        ),
    ]
