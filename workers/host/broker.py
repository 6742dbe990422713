"""The embedded filesystem broker's folders, shared by the Django settings and the agent so
both sides of a message agree on where it lies."""

from __future__ import annotations

from pathlib import Path


def filesystem_broker_options(var_dir: Path) -> dict:
    folder = var_dir / "broker"
    return {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
    }
