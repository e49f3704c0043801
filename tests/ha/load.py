"""Steady load on the HA cluster: kiosks checking in and HR clients enrolling, every answer
kept with when it was sent and when it came back. Enrollments carry an Idempotency-Key and
are sent again with the same key after a 503, as a careful client does."""

import io
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType

import httpx

from facegate.foreground import RunningCluster

KIOSK_PAUSE = 0.5
ENROLL_PAUSE = 1.0


@dataclass(frozen=True)
class Answer:
    kind: str  # "checkin" or "enroll"
    sent: float  # time.monotonic()
    done: float
    status: int  # 0: no HTTP answer at all
    code: str  # the error code, or "" on success
    body: dict[str, object]


def variant(photo: bytes, n: int) -> bytes:
    """The photo with one pixel changed and saved again: other bytes, the same face, so
    each enrollment is a new photo of the same person."""
    from PIL import Image

    image = Image.open(io.BytesIO(photo)).convert("RGB")
    image.putpixel((n % image.width, (n // image.width) % image.height), (n % 256, 7, 11))
    out = io.BytesIO()
    # The comment makes the bytes differ even where JPEG's rounding hides the pixel.
    image.save(out, "JPEG", quality=92, comment=f"variant {n}".encode())
    return out.getvalue()


@dataclass
class SteadyLoad:
    cluster: RunningCluster
    kiosk_keys: list[str]
    frame: bytes
    enrollees: dict[str, bytes]  # employee id -> the photo enrolled again and again
    answers: list[Answer] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _count: int = 0

    def __enter__(self) -> "SteadyLoad":
        targets: list[tuple[Callable[[str], None], tuple[str]]]
        targets = [(self._kiosk, (key,)) for key in self.kiosk_keys]
        targets += [(self._enroller, (employee,)) for employee in self.enrollees]
        for target, args in targets:
            thread = threading.Thread(target=target, args=args, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(120)

    def stop(self) -> None:
        self.__exit__(None, None, None)

    def _record(self, kind: str, sent: float, answer: httpx.Response | None) -> Answer:
        if answer is None:
            found = Answer(kind, sent, time.monotonic(), 0, "no_answer", {})
        else:
            try:
                body = answer.json()
            except ValueError:
                body = {"text": answer.text[:200]}
            code = str(body.get("error", {}).get("code", "")) if answer.status_code >= 400 else ""
            found = Answer(kind, sent, time.monotonic(), answer.status_code, code, body)
        self.answers.append(found)
        return found

    def _post(self, client: httpx.Client, kind: str, url: str, **kwargs: object) -> Answer:
        sent = time.monotonic()
        try:
            return self._record(kind, sent, client.post(url, **kwargs))  # type: ignore[arg-type]
        except httpx.HTTPError:
            return self._record(kind, sent, None)

    def _kiosk(self, key: str) -> None:
        with self.cluster.client(key, timeout=60) as client:
            while not self._stop.is_set():
                files = {"image": ("frame.jpg", self.frame, "image/jpeg")}
                self._post(client, "checkin", "/api/v1/employees/search", files=files)
                self._stop.wait(KIOSK_PAUSE)

    def _enroller(self, employee: str) -> None:
        photo = self.enrollees[employee]
        with self.cluster.client(timeout=60) as client:
            while not self._stop.is_set():
                self._count += 1
                image = variant(photo, self._count * 7919)
                key = uuid.uuid4().hex
                for _ in range(60):  # the same request, the same key, until it is decided
                    answer = self._post(
                        client,
                        "enroll",
                        "/api/v1/employees/insert",
                        data={"employee_id": employee, "employee_name": employee.title()},
                        files={"image": ("photo.jpg", image, "image/jpeg")},
                        headers={"Idempotency-Key": key},
                    )
                    again = answer.status in (0, 502, 503, 504)
                    if not (again or answer.code == "idempotency_key_in_use"):
                        break
                    self._stop.wait(1.0)
                self._stop.wait(ENROLL_PAUSE)

    def of(self, kind: str, since: float = 0.0) -> list[Answer]:
        return [a for a in list(self.answers) if a.kind == kind and a.sent >= since]

    def served_since(self, kind: str, since: float) -> int:
        return sum(1 for a in self.of(kind, since) if a.status in (200, 201))
