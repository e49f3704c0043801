"""End-to-end check-in latency over HTTP on a running stack (`make run`).

Run: FACEGATE_URL=http://127.0.0.1:8502 FACEGATE_KEY=<admin key> \
     .venv/bin/python -m bench.checkin_latency
Enrolls obama.jpg as BENCH-1 if missing, then posts a 640x480 frame of obama2.jpg 30 times.
"""

import os

import httpx

from bench.common import kiosk_frame, photo, save, summary, time_ms

REPEAT = 30


def main() -> None:
    url = os.environ.get("FACEGATE_URL", "http://127.0.0.1:8502")
    headers = {"X-API-Key": os.environ["FACEGATE_KEY"]}
    with httpx.Client(base_url=url, headers=headers, timeout=60, verify=False) as client:
        if client.get("/api/v1/employees/BENCH-1").status_code == 404:
            client.post(
                "/api/v1/employees/insert",
                data={"employee_id": "BENCH-1", "employee_name": "Bench Person"},
                files={"image": ("o.jpg", photo("obama.jpg"))},
            ).raise_for_status()
        data = kiosk_frame("obama2.jpg")

        def check_in() -> None:
            answer = client.post("/api/v1/employees/search", files={"image": ("f.jpg", data)})
            assert answer.json()["matched"], answer.text

        gallery = client.get("/api/v1/employees", params={"limit": 1}).json()["total"]
        result = {
            "frame": "640x480 JPEG (obama2.jpg)",
            "gallery_employees": gallery,
            "checkin_http": summary(time_ms(check_in, REPEAT)),
        }
    path = save("checkin_latency", result)
    print(f"check-in over HTTP, gallery {gallery}: {result['checkin_http']}  ({path})")


if __name__ == "__main__":
    main()
