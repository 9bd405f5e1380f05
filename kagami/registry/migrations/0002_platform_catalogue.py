"""The built-in platform catalogue (G-2)."""

from django.db import migrations


def load(apps, schema_editor):
    from kagami.registry.platforms import PLATFORMS

    Platform = apps.get_model("registry", "Platform")
    for order, row in enumerate(PLATFORMS):
        Platform.objects.get_or_create(code=row["code"], defaults={**row, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
