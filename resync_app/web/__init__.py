"""HTTP edge of the app: client addresses, route classes, rate limits, metrics and errors as 503 (ASGI level)."""
