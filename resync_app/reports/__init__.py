"""Read-only reports built from the app's tables (framework-free)."""
