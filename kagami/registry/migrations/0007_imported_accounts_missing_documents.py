"""Data for 0006: the catalogue platforms learn where their URLs carry the handle, and
accounts imported from the old register without their documents are marked as missing them
(they stop publishing and leave the public directory until the documents are in)."""

from django.db import migrations


def set_handle_url_paths(apps, schema_editor):
    from kagami.registry.platforms import PLATFORMS

    Platform = apps.get_model("registry", "Platform")
    for row in PLATFORMS:
        if row.get("handle_url_path"):
            Platform.objects.filter(code=row["code"], handle_url_path="").update(
                handle_url_path=row["handle_url_path"]
            )


def mark_imported_accounts(apps, schema_editor):
    OfficialAccount = apps.get_model("registry", "OfficialAccount")
    PolicyDocument = apps.get_model("registry", "PolicyDocument")
    TermsDocument = apps.get_model("registry", "TermsDocument")
    Report = apps.get_model("registry", "Report")
    with_policy = PolicyDocument.objects.filter(filed_at__isnull=False).values("account")
    with_terms = TermsDocument.objects.filter(filed_at__isnull=False).values("account")
    started = Report.objects.filter(kind="start", status="accepted").values("account")
    complete = (
        OfficialAccount.objects.filter(pk__in=with_policy)
        .filter(pk__in=with_terms)
        .filter(pk__in=started)
        .values("pk")
    )
    OfficialAccount.objects.filter(imported=True).exclude(state="ended").exclude(
        pk__in=complete
    ).update(documents_missing=True)


class Migration(migrations.Migration):
    dependencies = [("registry", "0006_account_governance")]
    operations = [
        migrations.RunPython(set_handle_url_paths, migrations.RunPython.noop),
        migrations.RunPython(mark_imported_accounts, migrations.RunPython.noop),
    ]
