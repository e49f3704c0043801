"""The embedder service over HTTP, on one embedder or several chosen per request."""

import base64
import binascii
import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from backend.domain.errors import (
    DomainError,
    EmbedderBusy,
    EmbedderUnavailable,
    ImageTooLarge,
    InvalidImage,
)
from backend.domain.model import DetectedFace, Extraction, ModelInfo, Quality
from backend.infrastructure.embedder_pool import EmbedderPool, embedder_urls
from facegate_shared import wire

Answer = TypeVar("Answer", bound=BaseModel)

# The embedder's refusals that are the caller's fault, as domain errors.
REFUSALS: dict[str, type[DomainError]] = {
    "invalid_image": InvalidImage,
    "image_too_large": ImageTooLarge,
}


class HttpEmbedder:
    """Embedder port on the embedder service's /api/v1/extract and /api/v1/model."""

    def __init__(
        self,
        base_url: str,
        timeout: float = 30.0,
        observe: Callable[[str, float], None] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        """`base_url`: one embedder, or several separated by commas (EMBEDDER_URL)."""
        self.observe = observe  # told the operation and seconds of each call (metrics)
        self._pool = EmbedderPool(embedder_urls(base_url), timeout, transport=transport)

    def close(self) -> None:
        self._pool.close()

    def extract(
        self, image: bytes, *, crop: bool = False, landmarks: bool = False, largest: bool = False
    ) -> Extraction:
        # The flags are sent only when wanted: the default answer stays as it was.
        flags = {"crop": crop, "landmarks": landmarks, "largest": largest}
        params = {name: "true" for name, wanted in flags.items() if wanted}
        body = self._call(
            "POST", "/api/v1/extract", files={"image": ("image", image)}, params=params
        )
        answer = self._parsed(wire.Extraction, body)
        model = ModelInfo(answer.model, answer.dim, answer.detector)
        faces = [
            DetectedFace(
                embedding=tuple(face.embedding),
                box=face.facial_area.model_dump(),
                confidence=face.confidence,
                quality=Quality(**face.quality.model_dump()),
                crop_jpeg=_decoded(face.crop_jpeg),
                landmarks=_points(face.landmarks),
            )
            for face in answer.faces
        ]
        return Extraction(model, faces, (answer.image.width, answer.image.height))

    def model_info(self) -> ModelInfo:
        answer = self._parsed(wire.ModelInfo, self._call("GET", "/api/v1/model"))
        known = {metric: t for metric, t in answer.thresholds.items() if t is not None}
        return ModelInfo(answer.model, answer.dim, answer.detector, known)

    @staticmethod
    def _parsed(schema: type[Answer], body: dict[str, Any]) -> Answer:
        try:
            return schema.model_validate(body)
        except ValidationError as error:
            raise EmbedderUnavailable(
                f"the embedder's answer does not match facegate's wire format ({error})"
            ) from error

    def ready(self) -> None:
        """Raise EmbedderUnavailable unless an embedder has its model loaded and warm."""
        self._call("GET", "/readyz", take_turn=False)

    def _call(
        self, method: str, path: str, *, take_turn: bool = True, **kwargs: Any
    ) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            response = self._send(method, path, take_turn=take_turn, **kwargs)
        finally:
            if self.observe is not None:
                self.observe(path.rsplit("/", 1)[-1], time.perf_counter() - started)
        return self._answer(response)

    def _send(self, method: str, path: str, *, take_turn: bool, **kwargs: Any) -> httpx.Response:
        """The first answer of the embedders in turn. A refused connection, or an embedder
        that says it is busy, never saw the request: the next one gets it at once. Any
        other failure (a timeout mid-request) is not repeated on another embedder."""
        busy: httpx.Response | None = None
        refused: httpx.HTTPError | None = None
        for client in self._pool.in_turn(take_turn=take_turn):
            try:
                response = client.request(method, path, **kwargs)
            except (httpx.ConnectError, httpx.ConnectTimeout) as error:
                self._pool.refused(client)
                refused = error
                continue
            except httpx.HTTPError as error:
                raise EmbedderUnavailable(f"the embedder is not reachable ({error})") from error
            self._pool.answered(client)
            if response.status_code == 503 and _code(response) == "embedder_busy":
                busy = response
                continue
            return response
        if busy is not None:
            return busy
        raise EmbedderUnavailable(f"the embedder is not reachable ({refused})")

    def _answer(self, response: httpx.Response) -> dict[str, Any]:
        if response.status_code == 200:
            body: dict[str, Any] = response.json()
            return body
        try:
            refused: dict[str, str] = response.json()["error"]
        except (ValueError, KeyError, TypeError):
            refused = {"code": "", "message": response.text[:200]}
        if refused.get("code") == "embedder_busy":
            retry = response.headers.get("Retry-After", "1")
            raise EmbedderBusy(
                f"the embedder is at capacity: {refused.get('message', '')}",
                int(retry) if retry.isdigit() else 1,
            )
        refusal = REFUSALS.get(refused.get("code", ""))
        if refusal is not None:
            raise refusal(refused.get("message", "the image was refused"))
        raise EmbedderUnavailable(
            f"the embedder answered {response.status_code}: {refused.get('message', '')}"
        )


def _code(response: httpx.Response) -> str:
    try:
        return str(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return ""


def _decoded(crop: str | None) -> bytes | None:
    if not crop:
        return None
    try:
        return base64.b64decode(crop, validate=True)
    except (binascii.Error, ValueError):
        return None  # no evidence is better than a refused check-in


def _points(points: list[list[float]] | None) -> tuple[tuple[float, float], ...] | None:
    if not points:
        return None
    return tuple((float(x), float(y)) for x, y in points)
