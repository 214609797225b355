"""One notification read model (issue 17): the notifications table keeps each notification's
place in the log, which the live stream resumes from, so the separate feed table can go
(delivery/0004). Positions of rows already stored are copied from that feed."""

from django.db import migrations, models

COPY_POSITIONS = """
UPDATE jobraker_notifications AS n SET position = f.position
FROM jobraker_notification_feed AS f WHERE f.notification_id = n.id
"""


class Migration(migrations.Migration):

    dependencies = [
        ('projections', '0018_embedding_pending'),
        ('delivery', '0003_sealed_criteria_and_feed_message'),
    ]

    operations = [
        migrations.AddField(
            model_name='notificationrecord',
            name='position',
            field=models.BigIntegerField(null=True, unique=True),
        ),
        migrations.RunSQL(COPY_POSITIONS, migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name='notificationrecord',
            index=models.Index(fields=['candidate_id', 'position'], name='notifications_stream'),
        ),
        migrations.AddIndex(
            model_name='notificationrecord',
            index=models.Index(fields=['candidate_id', 'kind', '-position'], name='notifications_by_kind'),
        ),
    ]
