"""Network monitoring (the guide's NMS, section 3.7): host-side collectors, central ingest of
their reports with change-only storage, levels from the `nms` entities, alerts and views."""
