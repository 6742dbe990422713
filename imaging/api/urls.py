from django.urls import path

from . import rsync

urlpatterns = [
    path(
        "imaging/rsync/<str:host>/done/", rsync.RsyncDone.as_view(), name="api-imaging-rsync-done"
    ),
]
