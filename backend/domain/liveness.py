"""The head-turn challenge: a kiosk asks for a turn left or right, and a run of frames
must show one person turning that way before the most frontal frame is checked in.

What it stops: a still picture (printed, or on a phone) held to the camera. Turning or
tilting a flat picture foreshortens it as a whole, so the nose stays where it was between
the eyes (the yaw below hardly moves), and the same frame sent twice never turns. What it
does not stop: a video of the person turning, a 3D mask, or a live accomplice.

Yaw, from the detector's five landmarks: how far the nose tip lies from the midpoint of
the eyes, in eye distances, in the camera's own (unmirrored) frame. Positive: the nose
is to the right of the image, i.e. the head is turned to the person's own left."""

import base64
import binascii
import hashlib
import hmac
import json
import math
import secrets
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from backend.domain.calibration import to_cosine
from backend.domain.checkin import CheckInOutcome, CheckInService, as_kiosk
from backend.domain.errors import (
    ChallengeExpired,
    ChallengeInvalid,
    ChallengeUsed,
    LivenessFailed,
    ValidationFailed,
)
from backend.domain.matching import MatchPolicy
from backend.domain.model import DetectedFace
from backend.domain.policy import unit_vector
from backend.domain.ports import ChallengeLedger, Embedder
from backend.domain.site_model import Kiosk

DIRECTIONS = ("left", "right")
# Frames sent to the embedder at once. One after another, an answer of six frames took six
# extractions end to end (115 ms at best on 2 cores); side by side the embedder's workers,
# or several embedders, serve them together.
FRAMES_AT_ONCE = 4


@dataclass(frozen=True)
class ChallengeSettings:
    ttl_seconds: float = 20.0  # from the prompt to the answer
    # the turn asked for, in eye distances beyond the most frontal frame; measured on the
    # test photos: a clear turn moves it 0.17-0.29, a still or re-encoded frame under 0.05
    turn_margin: float = 0.12
    frontal_limit: float = 0.15  # the most frontal frame must be about this frontal
    min_frames: int = 3
    max_frames: int = 8


@dataclass(frozen=True)
class Challenge:
    token: str
    direction: str  # "left" or "right": the person's own
    expires_at: datetime


@dataclass(frozen=True)
class ChallengedOutcome:
    outcome: CheckInOutcome
    direction: str
    turn: float  # the yaw reached in the asked direction, in eye distances


def yaw(face: DetectedFace) -> float:
    """Nose offset from the eyes' midpoint over the eye distance (positive: turned to
    the person's own left, seen unmirrored)."""
    if face.landmarks is None or len(face.landmarks) < 3:
        raise LivenessFailed(
            "the detector gives no landmarks, so no head turn can be seen",
            {"reason": "no_landmarks"},
        )
    (rx, ry), (lx, ly), (nx, _) = face.landmarks[:3]
    eyes = math.hypot(lx - rx, ly - ry)
    if eyes <= 0:
        raise LivenessFailed("the eyes could not be told apart", {"reason": "no_landmarks"})
    return (nx - (rx + lx) / 2) / eyes


class LivenessChallenges:
    """Issues signed challenges and checks a run of frames against one."""

    def __init__(
        self,
        *,
        ledger: ChallengeLedger,
        embedder: Embedder,
        policy: MatchPolicy,
        checkin: CheckInService,
        settings: ChallengeSettings = ChallengeSettings(),
        clock: Callable[[], float] = time.time,
        choose: Callable[[Sequence[str]], str] = secrets.choice,
    ) -> None:
        self._ledger = ledger
        self._embedder = embedder
        self._policy = policy
        self._checkin = checkin
        self.settings = settings
        self._clock = clock
        self._choose = choose

    def issue(self, api_key_name: str) -> Challenge:
        """A fresh challenge for this key: a random direction, signed, short-lived."""
        direction = self._choose(DIRECTIONS)
        expires = self._clock() + self.settings.ttl_seconds
        claims = {"id": uuid.uuid4().hex, "dir": direction, "exp": expires, "key": api_key_name}
        body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
        token = f"{body}.{self._sign(body)}"
        return Challenge(token, direction, datetime.fromtimestamp(expires, UTC))

    def check_in(self, token: str, frames: list[bytes], kiosk: Kiosk | str) -> ChallengedOutcome:
        """Verify the token (once), see the asked turn in the frames, then check in the
        most frontal frame as a single-frame check-in would."""
        kiosk = as_kiosk(kiosk)
        claims = self._verify(token, kiosk.name)
        low, high = self.settings.min_frames, self.settings.max_frames
        if not low <= len(frames) <= high:
            raise ValidationFailed(
                f"send {low} to {high} frames", {"fields": {"frames": f"{low} to {high} images"}}
            )
        expires = datetime.fromtimestamp(float(claims["exp"]), UTC)
        # Used up before the frames are looked at: a token is good for one attempt.
        if not self._ledger.consume(str(claims["id"]), expires):
            raise ChallengeUsed("this challenge was already answered; ask for a new one")
        if len({hashlib.sha256(f).digest() for f in frames}) < len(frames):
            raise LivenessFailed(
                "the same frame was sent twice: hold still in front of the camera and turn "
                "your head when asked",
                {"reason": "same_frame"},
            )
        faces = self._faces_of(frames)
        direction = str(claims["dir"])
        front, turn = self._turn(faces, direction)
        self._same_person(faces, front)
        outcome = self._checkin.check_in_face(front, kiosk, self._policy.state())
        return ChallengedOutcome(outcome, direction, round(turn, 3))

    def _turn(self, faces: list[DetectedFace], direction: str) -> tuple[DetectedFace, float]:
        yaws = [yaw(face) for face in faces]
        front = min(range(len(faces)), key=lambda i: abs(yaws[i]))
        if abs(yaws[front]) > self.settings.frontal_limit:
            raise LivenessFailed(
                "look straight at the camera first, then turn your head",
                {"reason": "not_frontal", "yaws": [round(y, 3) for y in yaws]},
            )
        sign = 1.0 if direction == "left" else -1.0
        asked = max(sign * (y - yaws[front]) for y in yaws)
        other = max(-sign * (y - yaws[front]) for y in yaws)
        details = {"direction": direction, "yaws": [round(y, 3) for y in yaws]}
        if asked >= self.settings.turn_margin:
            return faces[front], asked
        if other >= self.settings.turn_margin:
            raise LivenessFailed(
                f"the head turned the other way: turn it to your {direction}",
                {**details, "reason": "wrong_way"},
            )
        raise LivenessFailed(
            f"no head turn was seen: turn your head to your {direction}",
            {**details, "reason": "no_turn"},
        )

    def _same_person(self, faces: list[DetectedFace], front: DetectedFace) -> None:
        limit = to_cosine(self._policy.metric, self._policy.thresholds().match)
        reference = unit_vector(front.embedding)
        for face in faces:
            other = unit_vector(face.embedding)
            distance = 1.0 - sum(a * b for a, b in zip(reference, other))
            if distance > limit:
                raise LivenessFailed(
                    "the frames do not show one person",
                    {"reason": "not_one_person", "distance": round(distance, 4)},
                )

    def _faces_of(self, frames: list[bytes]) -> list[DetectedFace]:
        """Each frame's one face, in the frames' order; a refused frame raises, the first
        refused in that order deciding the answer, as when they were looked at in turn."""
        at_once = min(len(frames), FRAMES_AT_ONCE)
        with ThreadPoolExecutor(at_once, thread_name_prefix="liveness-frame") as frames_pool:
            return list(frames_pool.map(self._one_face, frames))

    def _one_face(self, frame: bytes) -> DetectedFace:
        extraction = self._embedder.extract(frame, crop=True, landmarks=True)
        self._policy.check_model(extraction.model)
        if len(extraction.faces) != 1:
            raise LivenessFailed(
                "every frame must show exactly one face",
                {"reason": "one_face", "faces": len(extraction.faces)},
            )
        return extraction.faces[0]

    def _verify(self, token: str, api_key_name: str) -> dict[str, Any]:
        body, _, signature = (token or "").partition(".")
        if not body or not hmac.compare_digest(signature, self._sign(body)):
            raise ChallengeInvalid("the challenge token is not valid; ask for a new one")
        try:
            claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
            float(claims["exp"])
            if claims["dir"] not in DIRECTIONS:
                raise ValueError(claims["dir"])
        except (binascii.Error, ValueError, TypeError, KeyError) as error:
            raise ChallengeInvalid("the challenge token is not valid") from error
        if claims.get("key") != api_key_name:
            raise ChallengeInvalid("this challenge was issued to another key")
        if float(claims["exp"]) < self._clock():
            raise ChallengeExpired("the challenge expired; ask for a new one")
        return dict(claims)

    def _sign(self, body: str) -> str:
        return hmac.new(self._ledger.signing_secret(), body.encode(), hashlib.sha256).hexdigest()
