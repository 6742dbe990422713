from django.urls import path

from . import restores, rsync, syncnow

urlpatterns = [
    path(
        "imaging/rsync/<str:host>/done/", rsync.RsyncDone.as_view(), name="api-imaging-rsync-done"
    ),
    path(
        "imaging/rsync/<str:host>/steps/<int:step>/",
        syncnow.StepReport.as_view(),
        name="api-imaging-rsync-step",
    ),
    path(
        "imaging/restores/<str:host>/",
        restores.HostRestores.as_view(),
        name="api-imaging-restores",
    ),
]
