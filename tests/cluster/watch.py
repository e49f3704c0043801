"""What the cluster tests look at beyond what bench needs (facegate.foreground): HAProxy's
view of its servers, the embedders' counters, and waiting for a condition with a deadline."""

import csv
import io
import time
from dataclasses import dataclass
from typing import Any

import httpx

from facegate.foreground import RunningCluster
from tests.conftest import extractions_served


@dataclass
class WatchedCluster(RunningCluster):
    """A running cluster, watched."""

    @classmethod
    def of(cls, running: RunningCluster) -> "WatchedCluster":
        return cls(
            running.popen, running.folder, running.admin_key, running.output, running.topology
        )

    def servers(self) -> dict[str, dict[str, str]]:
        """HAProxy's stats: each server (backend-1, embedder-2, ...) by name."""
        answer = httpx.get(self.topology["stats_url"] + ";csv", timeout=5)
        rows = csv.DictReader(io.StringIO(answer.text.lstrip("# ")))
        return {row["svname"]: row for row in rows if row["svname"] not in ("FRONTEND", "BACKEND")}

    def wait_until(self, condition: Any, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"not {what} after {timeout:.0f} s")
            time.sleep(0.25)

    def wait_server_up(self, name: str, timeout: float = 120) -> None:
        """Until HAProxy's health checks have put `name` back in rotation."""
        self.wait_until(lambda: self.servers()[name]["status"] == "UP", timeout, f"{name} UP")

    def embedder_extracts(self) -> list[int]:
        """How many extractions each embedder has served, read off its /metrics."""
        return [extractions_served(url) for url in self.embedder_urls]
