"""Each candidate's first matches pre-rendered (issue 15): the worker renders a page for every
summary that has none yet; until then the API reads the rows as before."""

import django.contrib.postgres.fields
from django.db import migrations, models

import jobraker.privacy.sealed_fields


class Migration(migrations.Migration):

    dependencies = [
        ('projections', '0019_notifications_position'),
    ]

    operations = [
        migrations.AddField(
            model_name='matchsummary',
            name='page',
            field=jobraker.privacy.sealed_fields.SealedTextField(null=True, subject_field='candidate_id'),
        ),
        migrations.AddField(
            model_name='matchsummary',
            name='page_jobs',
            field=django.contrib.postgres.fields.ArrayField(base_field=models.UUIDField(), default=list, size=None),
        ),
        migrations.AddField(
            model_name='matchsummary',
            name='page_complete',
            field=models.BooleanField(default=False),
        ),
    ]
