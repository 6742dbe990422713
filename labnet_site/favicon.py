"""/favicon.ico: browsers ask for it on every page that names no icon (the API's and the
admin's), so it leads to the site's static icon instead of a 404 in the log."""

from django.templatetags.static import static
from django.views.generic import RedirectView


class FaviconView(RedirectView):
    http_method_names = ["get", "head"]

    def get_redirect_url(self, *args, **kwargs) -> str:
        return static("labnet/favicon.ico")
