"""The live stream reads the notifications table (projections/0019), so the feed table and
its projection's position go."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('delivery', '0003_sealed_criteria_and_feed_message'),
        ('projections', '0019_notifications_position'),
    ]

    operations = [
        migrations.DeleteModel(name='NotificationFeedEntry'),
        migrations.RunSQL(
            "DELETE FROM jobraker_projection_positions WHERE name = 'notification_feed';"
            " DELETE FROM jobraker_parked_events WHERE projection = 'notification_feed'",
            migrations.RunSQL.noop,
        ),
    ]
