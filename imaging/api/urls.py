from django.urls import path

from . import boot, buildserver, iscsi, restores, rsync, syncnow

urlpatterns = [
    path(
        "imaging/buildserver/<str:host>/tables/",
        buildserver.BuildTables.as_view(),
        name="api-imaging-buildserver-tables",
    ),
    path(
        "imaging/buildserver/<str:host>/reports/",
        buildserver.BuildReports.as_view(),
        name="api-imaging-buildserver-reports",
    ),
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
    path("imaging/boot/<str:host>/", boot.BootReport.as_view(), name="api-imaging-boot"),
    path(
        "imaging/iscsi/<str:host>/synced/",
        iscsi.ImageSynced.as_view(),
        name="api-imaging-iscsi-synced",
    ),
    path(
        "imaging/iscsi/<str:host>/state/",
        iscsi.HostIscsiState.as_view(),
        name="api-imaging-iscsi-state",
    ),
]
