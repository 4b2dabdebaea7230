"""Process and host figures for `GET /api/v1/system-config/resources` and the System page."""

from __future__ import annotations

import os
import platform
import time

import psutil

from resync_app.settings import get_settings

_process = psutil.Process(os.getpid())
_process.cpu_percent(None)  # prime: later calls measure since the previous one


def snapshot() -> dict:
    """Memory, CPU, disk and uptime, measured now."""
    settings = get_settings()
    memory = _process.memory_info()
    host_memory = psutil.virtual_memory()
    disk = psutil.disk_usage(str(settings.data_dir))
    started = _process.create_time()
    return {
        "process": {
            "pid": _process.pid,
            "memory_rss_mb": round(memory.rss / 2**20, 1),
            "cpu_percent": _process.cpu_percent(None),
            "threads": _process.num_threads(),
            "uptime_seconds": round(time.time() - started, 1),
        },
        "host": {
            "cpu_count": psutil.cpu_count() or 1,
            "cpu_percent": psutil.cpu_percent(None),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "memory_total_mb": round(host_memory.total / 2**20),
            "memory_used_percent": host_memory.percent,
            "disk_total_gb": round(disk.total / 2**30, 1),
            "disk_free_gb": round(disk.free / 2**30, 1),
            "disk_used_percent": disk.percent,
        },
        "runtime": {
            "python": platform.python_version(),
            "database": settings.database_url.split(":", 1)[0],
            "redis": bool(settings.redis_url),
        },
    }
