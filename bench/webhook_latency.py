"""Check-in latency with no webhook, then with a webhook whose receiver hangs.

Run: .venv/bin/python -m bench --only webhook_latency [--quick]
Starts its own stack with CHECKIN_REPEAT_SECONDS=0 (every check-in writes a row and an
event), enrolls obama.jpg, and posts 640x480 frames of obama2.jpg (matched) and biden.jpg
(a stranger) in turns. Then it registers a webhook for every event whose receiver
accepts the connection and never answers, and measures again, then once more without it.
Deliveries happen on the backend's worker thread, so the figures should not move.
"""

import contextlib
import socket
import threading
from collections.abc import Iterator
from typing import Any

import httpx

from bench.common import RunOptions, kiosk_frame, photo, print_table, save, summary, time_ms
from bench.stack import enroll, services, storage


@contextlib.contextmanager
def hanging_receiver() -> Iterator[str]:
    """A TCP server on loopback that accepts every connection and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError, OSError):
                held.append(server.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/hook"
    finally:
        stop.set()
        thread.join()
        for connection in held:
            connection.close()
        server.close()


def measure(client: httpx.Client, kiosk: str, images: list[bytes], repeat: int) -> dict[str, Any]:
    turn = [0]

    def check_in() -> None:
        image = images[turn[0] % len(images)]
        turn[0] += 1
        answer = client.post(
            "/api/v1/employees/search",
            headers={"X-API-Key": kiosk},
            files={"image": ("frame.jpg", image, "image/jpeg")},
        )
        answer.raise_for_status()

    return summary(time_ms(check_in, repeat))


def run(options: RunOptions) -> dict[str, Any]:
    repeat = 10 if options.quick else 40
    images = [kiosk_frame("obama2.jpg"), kiosk_frame("biden.jpg")]
    cases: dict[str, Any] = {}
    with storage() as store:
        store.env["CHECKIN_REPEAT_SECONDS"] = "0"
        kiosk = store.kiosk_keys(1)[0]
        with services(store) as running, running.client() as client:
            enroll(client, "BENCH-1", "Bench Person", photo("obama.jpg"))
            cases["no_webhook"] = measure(client, kiosk, images, repeat)
            with hanging_receiver() as url:
                made = client.post("/api/v1/webhooks", json={"url": url})
                made.raise_for_status()
                hook = made.json()["webhook_id"]
                cases["hanging_receiver"] = measure(client, kiosk, images, repeat)
                deliveries = client.get(f"/api/v1/webhooks/{hook}/deliveries?limit=500").json()
                states = [d["state"] for d in deliveries["items"]]
                cases["outbox_while_hanging"] = {
                    "events": len(states),
                    "delivered": states.count("delivered"),
                    "attempts_on_oldest": deliveries["items"][-1]["attempts"] if states else 0,
                }
                client.delete(f"/api/v1/webhooks/{hook}")
            cases["no_webhook_again"] = measure(client, kiosk, images, repeat)
    result = {"repeat": repeat, "images": "obama2 crop and biden frame in turns", "cases": cases}
    save("webhook_latency", result)
    print_table(
        ["case", "p50 ms", "p95 ms", "min ms"],
        [
            [name, c["p50_ms"], c["p95_ms"], c["min_ms"]]
            for name, c in cases.items()
            if "p50_ms" in c
        ],
    )
    print("outbox while the receiver hung:", cases["outbox_while_hanging"])
    return result


def summary_rows(result: dict[str, Any]) -> list[list[Any]]:
    cases = result["cases"]
    base = (cases["no_webhook"]["p50_ms"] + cases["no_webhook_again"]["p50_ms"]) / 2
    hanging = cases["hanging_receiver"]["p50_ms"]
    return [
        [
            "webhook_latency",
            "check-in p50: no webhook / hanging receiver",
            f"{base:.1f} / {hanging} ms",
            "within 10 %",
            hanging <= base * 1.1,
        ]
    ]
