from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from .api_root import ApiRootView
from .favicon import FaviconView

urlpatterns = [
    path("favicon.ico", FaviconView.as_view()),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/v1/", include("entities.api.urls")),
    path("api/v1/", include("workers.api.urls")),
    path("api/v1/", include("filemgr.api.urls")),
    path("api/v1/", include("nms.api.urls")),
    path("api/v1/", include("printing.api.urls")),
    path("api/v1/", include("backups.api.urls")),
    path("api/v1/", include("imaging.api.urls")),
    path("api/v1/", include("wimp.api.urls")),
    path("api/v1/", include("accounts.api.urls")),
    path("api/v1/", ApiRootView.as_view(), name="api-root"),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/v1/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("nms/", include("nms.urls")),
    path("backups/", include("backups.urls")),
    path("files/", include("filemgr.urls")),
    path("agents/", include("workers.urls")),
    path("printing/", include("printing.urls")),
    path("ldap/", include("accounts.urls")),
    path("imaging/", include("imaging.urls")),
    path("wimp/", include("wimp.urls")),
    path("", include("entities.urls")),
]

handler400 = "labnet_site.errors.bad_request"
