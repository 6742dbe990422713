"""The broker's transport options, shared by the Django settings and the agent so both sides
of a message agree on where it lies. No Django here: the agent uses it."""

from __future__ import annotations

from pathlib import Path

FILESYSTEM = "filesystem://"


def transport_options(url: str, var_dir: Path) -> dict:
    """The embedded filesystem broker's folders under var_dir; nothing for another broker."""
    if not url.startswith(FILESYSTEM):
        return {}
    folder = var_dir / "broker"
    return {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
    }
