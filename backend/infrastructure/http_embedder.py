"""The embedder service over HTTP, on one embedder or several chosen per request."""

import base64
import binascii
import json
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

import urllib3
from pydantic import BaseModel, ValidationError
from urllib3.exceptions import ConnectTimeoutError, HTTPError, ProtocolError

from backend.domain.errors import (
    DomainError,
    EmbedderBusy,
    EmbedderUnavailable,
    ImageTooLarge,
    InvalidImage,
)
from backend.domain.model import DetectedFace, Extraction, ModelInfo, Quality
from backend.infrastructure.embedder_pool import (
    Connections,
    EmbedderPool,
    MakeConnections,
    embedder_urls,
    kept_alive,
)
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
        connections: MakeConnections = kept_alive,
    ) -> None:
        """`base_url`: one embedder, or several separated by commas (EMBEDDER_URL);
        `connections`: how an embedder's connections are made (a stand-in in tests)."""
        self.observe = observe  # told the operation and seconds of each call (metrics)
        self._pool = EmbedderPool(embedder_urls(base_url), timeout, connections=connections)

    def close(self) -> None:
        self._pool.close()

    def extract(
        self, image: bytes, *, crop: bool = False, landmarks: bool = False, largest: bool = False
    ) -> Extraction:
        # The flags are sent only when wanted: the default answer stays as it was.
        flags = {"crop": crop, "landmarks": landmarks, "largest": largest}
        query = urlencode({name: "true" for name, wanted in flags.items() if wanted})
        body, content_type = urllib3.encode_multipart_formdata({"image": ("image", image)})
        answer = self._parsed(
            wire.Extraction,
            self._call(
                "POST",
                f"/api/v1/extract?{query}" if query else "/api/v1/extract",
                body=body,
                headers={"Content-Type": content_type},
            ),
        )
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
    def _parsed(schema: type[Answer], body: bytes) -> Answer:
        # Parsed and checked in one pass of pydantic's own JSON reader: ~0.2 ms less a
        # check-in than json.loads and then model_validate of the dictionary.
        try:
            return schema.model_validate_json(body)
        except ValidationError as error:
            raise EmbedderUnavailable(
                f"the embedder's answer does not match facegate's wire format ({error})"
            ) from error

    def ready(self) -> None:
        """Raise EmbedderUnavailable unless an embedder has its model loaded and warm."""
        self._call("GET", "/readyz", take_turn=False)

    def _call(self, method: str, path: str, *, take_turn: bool = True, **kwargs: Any) -> bytes:
        """The body of the embedders' 200 answer; their refusals as domain errors."""
        started = time.perf_counter()
        try:
            response = self._send(method, path, take_turn=take_turn, **kwargs)
        finally:
            if self.observe is not None:
                self.observe(path.rsplit("/", 1)[-1], time.perf_counter() - started)
        return self._answer(response)

    def _send(
        self, method: str, path: str, *, take_turn: bool, **kwargs: Any
    ) -> urllib3.BaseHTTPResponse:
        """The first answer of the embedders in turn. A refused connection, or an embedder
        that says it is busy, never saw the request, and one that dropped the connection
        gave no answer (an extraction is a pure function of the image, safe to ask again):
        the next one gets it at once. A timeout is not repeated on another embedder (it
        would double the work of a slow machine)."""
        busy: urllib3.BaseHTTPResponse | None = None
        failed: HTTPError | None = None
        for embedder in self._pool.in_turn(take_turn=take_turn):
            try:
                response = _ask(embedder, method, path, **kwargs)
            except ConnectTimeoutError as error:  # refused, unresolvable or no answer to SYN
                self._pool.refused(embedder)
                failed = error
                continue
            except ProtocolError as error:
                failed = error
                continue
            except HTTPError as error:
                raise EmbedderUnavailable(f"the embedder is not reachable ({error})") from error
            self._pool.answered(embedder)
            if response.status == 503 and _code(response) == "embedder_busy":
                busy = response
                continue
            return response
        if busy is not None:
            return busy
        raise EmbedderUnavailable(f"the embedder is not reachable ({failed})")

    def _answer(self, response: urllib3.BaseHTTPResponse) -> bytes:
        if response.status == 200:
            return response.data
        try:
            refused: dict[str, str] = json.loads(response.data)["error"]
        except (ValueError, KeyError, TypeError):
            text = response.data[:200].decode("utf-8", "replace")
            refused = {"code": "", "message": text}
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
            f"the embedder answered {response.status}: {refused.get('message', '')}"
        )


def _ask(embedder: Connections, method: str, path: str, **kwargs: Any) -> urllib3.BaseHTTPResponse:
    """One request to one embedder. A kept-alive connection the embedder closed as the
    request went out (its keep-alive ran out that instant, or it restarted) raises
    ProtocolError: asked once more, on a new connection, before the next embedder."""
    try:
        return embedder.urlopen(method, path, **kwargs)
    except ProtocolError:
        return embedder.urlopen(method, path, **kwargs)


def _code(response: urllib3.BaseHTTPResponse) -> str:
    try:
        return str(json.loads(response.data)["error"]["code"])
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
