"""A real server for end-to-end tests: gunicorn on a free loopback port, its own database.

The same harness the benchmarks and drills use (harness/servers.py)."""

from __future__ import annotations

from harness.servers import Server as LiveServer
from harness.servers import free_port

__all__ = ["LiveServer", "free_port"]
