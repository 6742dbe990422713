"""What every app shares. Modules that import no Django (`hosts`, and the host-safe helpers
beside it) may be used by host-side code; the rest is the Django side."""
