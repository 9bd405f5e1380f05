"""The built-in platform catalogue (G-2)."""

from django.db import migrations


def load(apps, schema_editor):
    from kagami.registry.platforms import load_catalogue

    load_catalogue(apps.get_model("registry", "Platform"))


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
