"""The cluster's balancer answers its own refusals in facegate's error body: with no backend
up, a kiosk gets 503 no_backend_available as JSON with Retry-After, not HAProxy's HTML."""

import time
from pathlib import Path

import httpx

from facegate.haproxy import Balancer, check_haproxy_config, haproxy_config, spawn_haproxy
from facegate.processes import free_port

# No skip: `make install` brings Debian's haproxy, and facegate.processes.debian_binary
# (which the launcher uses too) fails naming the package when it is missing.


def test_no_backend_up_is_a_json_503_with_retry_after(tmp_path: Path) -> None:
    port = free_port()
    nobody = [free_port(), free_port()]  # nothing listens there
    balancer = Balancer("127.0.0.1", port, nobody, free_port(), [free_port()], free_port(), None)
    config = tmp_path / "haproxy.cfg"
    config.write_text(haproxy_config(balancer))
    check_haproxy_config(config)
    haproxy = spawn_haproxy(config, tmp_path / "haproxy.log")
    try:
        answer = None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/api/v1/gallery", timeout=10)
                break
            except httpx.TransportError:  # HAProxy not listening yet
                time.sleep(0.2)
        assert answer is not None, haproxy.log_tail()
        assert answer.status_code == 503
        assert answer.headers["content-type"].startswith("application/json")
        assert answer.headers["Retry-After"] == "2"
        error = answer.json()["error"]
        assert error["code"] == "no_backend_available" and "retry" in error["message"]
    finally:
        haproxy.stop()
