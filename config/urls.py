"""Top-level URL map: the API under /api/, Django admin, language switching, the web workspace at /."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("api/", include("api.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("web.urls")),
]
# Uploaded photos and documents on the embedded setup; in production the web server serves MEDIA_ROOT.
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "api.errors.not_found_view"
handler500 = "api.errors.server_error_view"
