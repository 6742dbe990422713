"""The modes of a WIMP session, the steps each goes through (the wimpSession entity's `stage`
values), and the states of the work an agent does for a session."""

from __future__ import annotations

from django.db import models


class Mode(models.TextChoices):
    NEW = "new", "New Managed Install"
    UPDATE = "update", "Update Managed Image"
    CLONE = "clone", "Clone Managed Image"
    DELETE = "delete", "Delete Managed Image"
    LOCAL_IMAGE = "local_image", "Image a Local Disk Partition"
    LOCAL_RESTORE = "local_restore", "Retrieve/Restore a Local Disk Image"
    XP = "xp", "Windows XP Imaging (WIMP)"
    # Reached from the XP WIMP's Select Type (its third task): a standalone image deleted
    # from the 4th partition of the client's disk (or the image directory it has mounted).
    LOCAL_DELETE = "local_delete", "Delete a Local Disk Image"


# The install steps of guide 3.4, each an instruction panel with a "done" button.
INSTALL = [
    "windows_install",
    "basic_setup",
    "activation",
    "software",
    "configuration",
    "login_scripts",
    "image_prep",
]
# An update or a clone starts from an installed image: the program installation onwards.
UPDATE = INSTALL[INSTALL.index("software") :]
# The ten steps of the XP WIMP (guide 3.5); `start` is the machine chosen.
XP = [
    "start",
    "select_type",
    "xp_install",
    "domain_setup",
    "labnet_setup",
    "software",
    "image_prep",
    "imaging",
    "testing",
    "finalize",
]

STEPS: dict[str, list[str]] = {
    Mode.NEW: ["start", *INSTALL, "imaging"],
    Mode.UPDATE: ["start", *UPDATE, "imaging"],
    Mode.CLONE: ["start", *UPDATE, "imaging"],
    Mode.DELETE: ["start", "finalize"],
    Mode.LOCAL_IMAGE: ["start", "image_prep", "imaging"],
    Mode.LOCAL_RESTORE: ["start", "restore"],
    Mode.XP: XP,
    Mode.LOCAL_DELETE: ["start", "delete"],
}

STEP_TITLES = {
    "start": "Behind the scenes",
    "windows_install": "1. Windows install",
    "basic_setup": "2. Basic questions",
    "activation": "3. Activation via KMS",
    "software": "4. Program installation",
    "configuration": "5. Features and policies",
    "login_scripts": "6. Login scripts",
    "image_prep": "7. Image preparation",
    "imaging": "Imaging",
    "finalize": "Finalize",
    "select_type": "Select Type",
    "xp_install": "WinXP Installation",
    "domain_setup": "Domain Setup",
    "labnet_setup": "LabNet Setup",
    "testing": "Testing",
    "restore": "Restore",
    "delete": "Delete the image",
}

# What the "done" button of a step says (the guide's button labels).
DONE_LABELS = {
    "windows_install": "Windows is installed",
    "basic_setup": "Proceed to Windows Activation",
    "activation": "KMS Setup Complete",
    "software": "Program Installation Complete",
    "configuration": "Configuration Complete",
    "login_scripts": "Continue to Image Prep",
    "image_prep": "Ready to Image",
    "xp_install": "Windows XP is installed",
    "domain_setup": "Domain setup complete",
    "labnet_setup": "LabNet setup complete",
    "testing": "Testing complete",
}


class TaskKind(models.TextChoices):
    PREPARE = "prepare", "create the master volume and its direct target"
    CAPTURE = "capture", "capture, verify and copy the archive"
    REMOVE = "remove", "remove the master volume"
    REMOVE_ARCHIVE = "remove_archive", "remove the archived files"
    LOCAL_IMAGE = "local_image", "image the client's partition"
    LOCAL_RESTORE = "local_restore", "restore the client's partition"
    LOCAL_DELETE = "local_delete", "delete the image from the client's disk"


class TaskState(models.TextChoices):
    QUEUED = "queued", "queued"
    RUNNING = "running", "running"
    DONE = "done", "done"
    FAILED = "failed", "failed"
