"""Memory settings for the embedded PostgreSQL, from the memory this machine (or container) has.

PostgreSQL's defaults (128 MB shared_buffers, 4 MB work_mem, 4 GB effective_cache_size) are
made for any machine; at 100,000 jobs the jobs table, the job vectors and their HNSW index
(about 450 MB) did not fit and every matching request read them back from the OS cache. The
fractions are the usual ones for a server that shares the machine with its application
(pgtune's "web" profile): a quarter for shared buffers, three quarters counted as cache.
"""

from __future__ import annotations

from pathlib import Path

MB = 1024 * 1024
CGROUP_LIMIT = Path("/sys/fs/cgroup/memory.max")  # cgroup v2: a container's limit, or "max"


def postgres_settings(memory_bytes: int, max_connections: int = 100) -> dict[str, str]:
    """``ALTER SYSTEM`` values for a server with ``memory_bytes`` of memory."""
    memory_mb = memory_bytes // MB
    shared_buffers = _clamp(memory_mb // 4, 128, 8 * 1024)
    # A sort or hash may use work_mem several times per query, in every connection at once.
    work_mem = _clamp((memory_mb - shared_buffers) // (max_connections * 3), 4, 64)
    return {
        "shared_buffers": f"{shared_buffers}MB",
        "effective_cache_size": f"{max(memory_mb * 3 // 4, shared_buffers)}MB",
        "work_mem": f"{work_mem}MB",
        # Index builds (HNSW over the job vectors) and VACUUM.
        "maintenance_work_mem": f"{_clamp(memory_mb // 16, 64, 1024)}MB",
    }


def machine_memory() -> int:
    """The memory this process may use: the machine's, or its container's limit when lower."""
    import psutil

    total = int(psutil.virtual_memory().total)
    try:
        limit = CGROUP_LIMIT.read_text().strip()
    except OSError:
        return total
    return min(total, int(limit)) if limit.isdigit() else total


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))
