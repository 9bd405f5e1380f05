"""A delivery is one approved version of a post going to one account and carries the approved
text (G-5-2); it no longer hangs on the post's editable target row."""

import django.db.models.deletion
from django.db import migrations, models


def from_targets(apps, schema_editor):
    Delivery = apps.get_model("publishing", "Delivery")
    for delivery in Delivery.objects.select_related("target__post"):
        target = delivery.target
        delivery.post_id = target.post_id
        delivery.account_id = target.account_id
        delivery.version = target.post.version
        delivery.text = delivery.published_text or target.text_override or target.post.text
        delivery.save(update_fields=["post", "account", "version", "text"])


class Migration(migrations.Migration):
    dependencies = [
        ("publishing", "0002_rate_limits_and_failure_kinds"),
        ("posts", "0002_post_versions"),
        ("registry", "0005_platform_daily_post_limit"),
    ]

    operations = [
        migrations.AddField(
            model_name="delivery",
            name="post",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="deliveries",
                to="posts.post",
            ),
        ),
        migrations.AddField(
            model_name="delivery",
            name="account",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="registry.officialaccount",
                verbose_name="アカウント",
            ),
        ),
        migrations.AddField(
            model_name="delivery",
            name="version",
            field=models.PositiveIntegerField(default=1, verbose_name="承認された版"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="delivery",
            name="text",
            field=models.TextField(default="", verbose_name="承認された本文"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="delivery",
            name="reason",
            field=models.TextField(blank=True, verbose_name="保留・取りやめの理由"),
        ),
        migrations.AddField(
            model_name="delivery",
            name="resend_base",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.RunPython(from_targets, migrations.RunPython.noop),
        migrations.RemoveField(model_name="delivery", name="target"),
        migrations.AlterField(
            model_name="delivery",
            name="post",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="deliveries",
                to="posts.post",
            ),
        ),
        migrations.AlterField(
            model_name="delivery",
            name="account",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="registry.officialaccount",
                verbose_name="アカウント",
            ),
        ),
        migrations.AddConstraint(
            model_name="delivery",
            constraint=models.UniqueConstraint(
                fields=("post", "account", "version"), name="one_delivery_per_version"
            ),
        ),
    ]
