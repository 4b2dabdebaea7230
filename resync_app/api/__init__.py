"""REST API routes (thin: each route calls a service)."""
