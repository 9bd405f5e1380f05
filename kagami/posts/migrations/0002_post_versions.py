import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def keep_current_versions(apps, schema_editor):
    """Existing posts get their current version kept, as written by their author."""
    import hashlib
    import json

    Post = apps.get_model("posts", "Post")
    PostVersion = apps.get_model("posts", "PostVersion")
    for post in Post.objects.all():
        targets = list(post.targets.all())
        images = list(post.images.order_by("order", "pk"))
        digest_payload = {
            "text": post.text,
            "publish_at": post.publish_at.isoformat(),
            "targets": sorted((t.account_id, t.text_override) for t in targets),
            "images": [(i.file.name, i.alt_text, i.source) for i in images],
            "out_of_hours": [post.out_of_hours_kind, post.out_of_hours_note],
        }
        PostVersion.objects.create(
            post=post,
            number=post.version,
            edited_by_id=post.author_id,
            content={
                "publish_at": post.publish_at.isoformat(),
                "targets": {str(t.account_id): t.text_override or post.text for t in targets},
                "images": [
                    {
                        "id": i.pk,
                        "file": i.file.name,
                        "alt_text": i.alt_text,
                        "source": i.source,
                        "width": i.width,
                        "height": i.height,
                    }
                    for i in images
                ],
                "out_of_hours": [post.out_of_hours_kind, post.out_of_hours_note],
            },
            digest=hashlib.sha256(
                json.dumps(digest_payload, ensure_ascii=False, sort_keys=True).encode()
            ).hexdigest(),
        )


class Migration(migrations.Migration):
    dependencies = [
        ("posts", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PostVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("number", models.PositiveIntegerField(verbose_name="版")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("content", models.JSONField(verbose_name="内容")),
                ("digest", models.CharField(max_length=64)),
                (
                    "edited_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="作成・編集した人",
                    ),
                ),
                (
                    "post",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="versions",
                        to="posts.post",
                    ),
                ),
            ],
            options={
                "verbose_name": "投稿の版",
                "verbose_name_plural": "投稿の版",
                "ordering": ["post", "number"],
                "constraints": [
                    models.UniqueConstraint(fields=("post", "number"), name="one_post_version_number")
                ],
            },
        ),
        migrations.RunPython(keep_current_versions, migrations.RunPython.noop),
    ]
