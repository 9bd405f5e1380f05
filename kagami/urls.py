"""URL map: one include per app."""

from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("kagami.dashboard.urls")),
    path("", include("kagami.orgs.urls")),
    path("posts/", include("kagami.posts.urls")),
    path("publishing/", include("kagami.publishing.urls")),
    path("incidents/", include("kagami.incidents.urls")),
    path("registry/", include("kagami.registry.urls")),
    path("vault/", include("kagami.vault.urls")),
    path("public/", include("kagami.public.urls")),
    path("audit/", include("kagami.auditviewer.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:  # pragma: no cover - development convenience only
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
