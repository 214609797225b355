from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies: list = []

    operations = [
        migrations.CreateModel(
            name="FollowedBoard",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("source", models.CharField(choices=[("greenhouse", "Greenhouse"), ("lever", "Lever"), ("ashby", "Ashby")], max_length=16)),
                ("token", models.CharField(max_length=100)),
                ("company", models.CharField(max_length=300)),
                ("followed_by", models.CharField(max_length=64)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("last_fetched_at", models.DateTimeField(blank=True, null=True)),
                ("last_error", models.CharField(blank=True, default="", max_length=300)),
                ("listings", models.IntegerField(default=0)),
                ("seen", models.JSONField(default=dict)),
            ],
            options={"db_table": "jobraker_followed_boards"},
        ),
        migrations.AddConstraint(
            model_name="followedboard",
            constraint=models.UniqueConstraint(fields=("source", "token"), name="board_followed_once"),
        ),
    ]
