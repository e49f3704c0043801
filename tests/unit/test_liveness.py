"""The head-turn challenge on fakes: a real turn passes, stills, wrong turns, replayed,
expired or forged tokens are refused with their codes; a kiosk without it is unchanged."""

import threading
from pathlib import Path

import pytest

from backend.domain.model import DetectedFace, Role
from tests.unit.fakes import GOOD
from tests.unit.world import FakeWorld

ALICE = (1.0, 0.0, 0.0)
BOB = (0.0, 1.0, 0.0)
ENROLLED = b"\xff\xd8alice-enrolled"


def looking(embedding, yaw: float) -> DetectedFace:
    """A face whose nose sits `yaw` eye distances right of the eyes' midpoint."""
    right_eye, left_eye = (100.0, 100.0), (160.0, 100.0)
    nose = (130.0 + yaw * 60.0, 130.0)
    marks = (right_eye, left_eye, nose, (110.0, 160.0), (150.0, 160.0))
    return DetectedFace(embedding, {"x": 80, "y": 60, "w": 110, "h": 130}, 0.99, GOOD, None, marks)


@pytest.fixture
def kiosk():
    world = FakeWorld()
    world.embedder.faces[ENROLLED] = [looking(ALICE, 0.0)]
    frames = {
        "front": looking(ALICE, 0.01),
        "front-reencoded": looking(ALICE, 0.02),
        "left": looking(ALICE, 0.21),
        "more-left": looking(ALICE, 0.26),
        "right": looking(ALICE, -0.27),
        "bob-left": looking(BOB, 0.22),
    }
    for name, face in frames.items():
        world.embedder.faces[name.encode()] = [face]
    with world.api(Path("/nonexistent")) as (client, door):
        made = client.post(
            "/api/v1/employees/insert",
            data={"employee_id": "E1", "employee_name": "Alice"},
            files={"image": ("a.jpg", ENROLLED, "image/jpeg")},
        )
        assert made.status_code == 201
        set_to = client.patch("/api/v1/keys/door", json={"liveness": "challenge"})
        assert set_to.status_code == 200 and set_to.json()["liveness"] == "challenge"
        yield client, world, {"X-API-Key": door}


def challenge(client, door):
    answer = client.post("/api/v1/liveness/challenge", headers=door)
    assert answer.status_code == 201, answer.text
    return answer.json()


def answer(client, door, token, *names):
    return client.post(
        "/api/v1/liveness/checkin",
        headers=door,
        data={"challenge": token},
        files=[("frames", (f"{i}.jpg", n.encode(), "image/jpeg")) for i, n in enumerate(names)],
    )


def test_a_real_turn_the_asked_way_checks_in_the_frontal_frame(kiosk):
    client, world, door = kiosk
    given = challenge(client, door)
    assert given["direction"] == "left" and given["prompt"] == "Turn your head to your left"
    done = answer(client, door, given["token"], "front", "left", "more-left")
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["matched"] is True and body["employee_id"] == "E1"
    assert body["liveness"] == {"direction": "left", "turn": 0.25}
    (row,) = world.checkins.rows
    # the snapshot is the frontal frame's crop
    assert world.images.objects[row.snapshot_key] == b"\xff\xd8crop:front"


def test_the_frames_are_sent_to_the_embedder_side_by_side(kiosk):
    client, world, door = kiosk
    frames = ("front", "front-reencoded", "left", "more-left")
    # Each extraction waits until every frame's has started: in turn, the first would wait
    # alone until the barrier gives up, and the answer would be an error.
    all_started = threading.Barrier(len(frames), timeout=10)
    extract = world.embedder.extract

    def gathered(image, **flags):
        all_started.wait()
        return extract(image, **flags)

    world.embedder.extract = gathered
    done = answer(client, door, challenge(client, door)["token"], *frames)
    assert done.status_code == 200, done.text
    assert done.json()["matched"] is True and done.json()["liveness"]["turn"] == 0.25


def test_the_first_refused_frame_in_order_decides_the_answer(kiosk):
    client, world, door = kiosk
    world.embedder.faces[b"nobody"] = []
    world.embedder.faces[b"two"] = [looking(ALICE, 0.0), looking(BOB, 0.0)]
    refused = answer(client, door, challenge(client, door)["token"], "front", "nobody", "two")
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["details"] == {"reason": "one_face", "faces": 0}


def test_a_turn_to_the_right_passes_when_right_is_asked(kiosk):
    client, world, door = kiosk
    world.direction = "right"
    given = challenge(client, door)
    done = answer(client, door, given["token"], "left", "front", "right")
    assert done.status_code == 200 and done.json()["matched"] is True


@pytest.mark.parametrize(
    ("frames", "reason"),
    [
        (("front", "front", "front"), "same_frame"),  # the same still frame repeated
        (("front", "front-reencoded", "front-reencoded2"), "no_turn"),  # a still, re-encoded
        (("front", "right", "right2"), "wrong_way"),
        (("front", "left", "bob-left"), "not_one_person"),
        (("left", "more-left", "left2"), "not_frontal"),
    ],
)
def test_stills_and_wrong_turns_are_refused_as_liveness_failed(kiosk, frames, reason):
    client, world, door = kiosk
    world.embedder.faces[b"front-reencoded2"] = [looking(ALICE, 0.0)]
    world.embedder.faces[b"right2"] = [looking(ALICE, -0.2)]
    world.embedder.faces[b"left2"] = [looking(ALICE, 0.23)]
    given = challenge(client, door)
    done = answer(client, door, given["token"], *frames)
    assert done.status_code == 422, done.text
    error = done.json()["error"]
    assert (error["code"], error["details"]["reason"]) == ("liveness_failed", reason)
    assert world.checkins.rows == []


def test_a_token_is_good_for_one_answer(kiosk):
    client, _, door = kiosk
    given = challenge(client, door)
    assert answer(client, door, given["token"], "front", "left", "more-left").status_code == 200
    again = answer(client, door, given["token"], "front", "left", "more-left")
    assert again.status_code == 409 and again.json()["error"]["code"] == "challenge_used"


def test_an_expired_token_is_refused(kiosk):
    client, world, door = kiosk
    given = challenge(client, door)
    world.clock += 21  # the default time to answer is 20 s
    late = answer(client, door, given["token"], "front", "left", "more-left")
    assert late.status_code == 422 and late.json()["error"]["code"] == "challenge_expired"


def test_forged_or_borrowed_tokens_are_refused(kiosk):
    client, world, door = kiosk
    given = challenge(client, door)
    body, _, signature = given["token"].partition(".")
    forged = body[:-2] + ("AA" if body[-2:] != "AA" else "BB") + "." + signature
    bad = answer(client, door, forged, "front", "left", "more-left")
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "challenge_invalid"
    other = world.keys.create("lobby", Role.KIOSK)[1]
    borrowed = answer(client, {"X-API-Key": other}, given["token"], "front", "left", "more-left")
    assert borrowed.json()["error"]["code"] == "challenge_invalid"


def test_a_challenge_kiosk_may_not_skip_the_challenge_and_others_are_unchanged(kiosk):
    client, world, door = kiosk
    plain = client.post(
        "/api/v1/employees/search",
        headers=door,
        files={"image": ("f.jpg", b"front", "image/jpeg")},
    )
    assert plain.status_code == 422 and plain.json()["error"]["code"] == "challenge_required"
    assert client.get("/api/v1/auth/whoami", headers=door).json()["liveness"] == "challenge"
    lobby = {"X-API-Key": world.keys.create("lobby", Role.KIOSK)[1]}
    assert client.get("/api/v1/auth/whoami", headers=lobby).json()["liveness"] == "off"
    one_frame = client.post(
        "/api/v1/employees/search", headers=lobby, files={"image": ("f.jpg", b"front")}
    )
    assert one_frame.status_code == 200 and one_frame.json()["matched"] is True
    listed = {k["name"]: k["liveness"] for k in client.get("/api/v1/keys").json()["items"]}
    assert listed == {"hr": "off", "door": "challenge", "lobby": "off"}
    assert client.patch("/api/v1/keys/door", json={"liveness": "off"}).json()["liveness"] == "off"
    assert client.patch("/api/v1/keys/nope", json={"liveness": "off"}).status_code == 404
    assert client.patch("/api/v1/keys/door", json={"liveness": "on"}).status_code == 422


def test_too_few_frames_are_a_validation_error(kiosk):
    client, _, door = kiosk
    given = challenge(client, door)
    few = answer(client, door, given["token"], "front", "left")
    assert few.status_code == 422 and few.json()["error"]["code"] == "validation_error"


def test_frames_over_the_upload_limit_report_the_limit_not_what_is_left(kiosk):
    client, world, door = kiosk
    given = challenge(client, door)
    big = b"\xff\xd8" + b"x" * 6_000  # two of them pass the world's 10,000-byte limit
    answer = client.post(
        "/api/v1/liveness/checkin",
        headers=door,
        data={"challenge": given["token"]},
        files=[("frames", (f"{i}.jpg", big, "image/jpeg")) for i in range(2)],
    )
    assert answer.status_code == 413, answer.text
    error = answer.json()["error"]
    assert error["code"] == "image_too_large" and error["details"] == {"limit": 10_000}
