"""The head-turn challenge on the running stack, from real photos of one person at
different head angles (yaw measured first, see MEASURED), through the API and through
the kiosk page in Chromium with a fake camera."""

import io
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image, ImageOps

from facegate.children import start_backend
from facegate.processes import free_port
from facegate.samples import frame
from tests.e2e.browser import browser_page, wait_for

PERSON = "LIVE-OBAMA"
# Yaw (nose offset from the eyes' midpoint in eye distances, camera frame, positive: the
# person's own left) measured with YuNet on 640x480 frames of the test photos:
# obama.jpg 0.01 (frontal), obama2.jpg -0.275 (turned to his right), mirrored obama2.jpg
# +0.208 (to his left), obama3.jpg 0.055. The challenge asks for 0.12 beyond the frontal.
MEASURED = {"obama.jpg": 0.01, "obama2.jpg": -0.275, "obama2-mirrored": 0.208}


def mirrored(photo: bytes) -> bytes:
    out = io.BytesIO()
    ImageOps.mirror(Image.open(io.BytesIO(photo)).convert("RGB")).save(out, "JPEG", quality=92)
    return out.getvalue()


def call(url, method, path, key, **kwargs):
    return httpx.request(method, url + path, headers={"X-API-Key": key}, timeout=60, **kwargs)


@pytest.fixture(scope="module")
def turning(stack, photos):
    """obama.jpg enrolled; a kiosk key set to the challenge; frames of each head angle."""
    created = call(
        stack.url,
        "POST",
        "/api/v1/employees/insert",
        stack.admin_key,
        data={"employee_id": PERSON, "employee_name": "Barack Obama"},
        files={"image": ("obama.jpg", photos["obama.jpg"])},
    )
    assert created.status_code == 201, created.text
    made = call(stack.url, "POST", "/api/v1/keys", stack.admin_key, json={"name": "turn-kiosk"})
    key = made.json()["key"]
    changed = call(
        stack.url,
        "PATCH",
        "/api/v1/keys/turn-kiosk",
        stack.admin_key,
        json={"liveness": "challenge"},
    )
    assert changed.json()["liveness"] == "challenge"
    frames = {
        "front": frame(photos["obama.jpg"]),
        "front-again": frame(photos["obama.jpg"], fmt="PNG"),  # the same still, re-encoded
        "left": frame(mirrored(photos["obama2.jpg"])),
        "left-2": frame(mirrored(photos["obama2.jpg"]), fmt="PNG"),
        "right": frame(photos["obama2.jpg"]),
        "right-2": frame(photos["obama2.jpg"], fmt="PNG"),
    }
    yield key, frames
    call(stack.url, "DELETE", f"/api/v1/employees/{PERSON}", stack.admin_key)
    call(stack.url, "DELETE", "/api/v1/keys/turn-kiosk", stack.admin_key)


def challenge(url, key, direction):
    """A real challenge asking for `direction` (asked again until the server picks it)."""
    for _ in range(40):
        given = call(url, "POST", "/api/v1/liveness/challenge", key)
        assert given.status_code == 201, given.text
        if given.json()["direction"] == direction:
            return given.json()["token"]
    raise AssertionError(f"the server never asked for {direction}")


def answer(url, key, token, frames):
    return call(
        url,
        "POST",
        "/api/v1/liveness/checkin",
        key,
        data={"challenge": token},
        files=[("frames", (f"{i}.jpg", f)) for i, f in enumerate(frames)],
    )


@pytest.mark.parametrize("direction", ["left", "right"])
def test_a_real_turn_passes_through_the_api(stack, turning, direction):
    key, frames = turning
    token = challenge(stack.url, key, direction)
    sent = [frames["front"], frames[direction], frames[f"{direction}-2"]]
    done = answer(stack.url, key, token, sent)
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["matched"] is True and body["employee_id"] == PERSON
    assert body["liveness"]["direction"] == direction and body["liveness"]["turn"] >= 0.12


@pytest.mark.parametrize(
    ("direction", "sent", "reason"),
    [
        ("left", ["front", "front", "front"], "same_frame"),
        ("left", ["front", "front-again", "front"], "same_frame"),
        ("right", ["front", "front-again", "front-again2"], "no_turn"),
        ("left", ["front", "right", "right-2"], "wrong_way"),
        ("right", ["front", "left", "left-2"], "wrong_way"),
    ],
)
def test_stills_and_wrong_turns_are_refused(stack, turning, photos, direction, sent, reason):
    key, frames = turning
    frames = {**frames, "front-again2": frame(photos["obama.jpg"], fmt="BMP")}
    token = challenge(stack.url, key, direction)
    done = answer(stack.url, key, token, [frames[name] for name in sent])
    assert done.status_code == 422, done.text
    error = done.json()["error"]
    assert (error["code"], error["details"]["reason"]) == ("liveness_failed", reason)


def test_a_token_is_used_once_and_verified_by_any_replica(stack, turning, session_dir):
    key, frames = turning
    run = [frames["front"], frames["left"], frames["left-2"]]
    port = free_port()
    other = start_backend(port, stack.env, session_dir / f"replica-{port}.log")
    try:
        replica = f"http://127.0.0.1:{port}"
        token = challenge(stack.url, key, "left")
        assert answer(replica, key, token, run).status_code == 200  # issued by the other one
        again = answer(stack.url, key, token, run)
        assert again.status_code == 409 and again.json()["error"]["code"] == "challenge_used"
    finally:
        other.stop()


def test_an_expired_token_is_refused(stack, turning, session_dir):
    key, frames = turning
    port = free_port()
    hasty = start_backend(
        port, {**stack.env, "LIVENESS_CHALLENGE_SECONDS": "1"}, session_dir / f"hasty-{port}.log"
    )
    try:
        url = f"http://127.0.0.1:{port}"
        token = challenge(url, key, "left")
        time.sleep(1.5)
        late = answer(url, key, token, [frames["front"], frames["left"], frames["left-2"]])
        assert late.status_code == 422 and late.json()["error"]["code"] == "challenge_expired"
    finally:
        hasty.stop()


def test_a_challenge_kiosk_cannot_skip_it_and_a_plain_kiosk_is_unchanged(stack, turning):
    key, frames = turning
    skipped = call(
        stack.url,
        "POST",
        "/api/v1/employees/search",
        key,
        files={"image": ("f.jpg", frames["front"])},
    )
    assert skipped.status_code == 422
    assert skipped.json()["error"]["code"] == "challenge_required"
    plain = call(
        stack.url,
        "POST",
        "/api/v1/employees/search",
        stack.kiosk_key,
        files={"image": ("f.jpg", frames["front"])},
    )
    assert plain.status_code == 200 and plain.json()["employee_id"] == PERSON


# ---------- the kiosk page ----------


def write_turning_y4m(
    shots: list[bytes], path: Path, frames_each: int = 3, cycles: int = 10
) -> Path:
    """A 10 fps Y4M cycling through `shots` (640x480 frames), `frames_each` frames each:
    `cycles` times; Chromium's fake camera loops it, so the kiosk sees the head turn back
    and forth. Each frame gets its own faint noise, as a real camera's sensor gives (a
    still photo before a real camera never yields the same frame twice either)."""
    size = (640, 480)
    half = (size[0] // 2, size[1] // 2)
    noise = np.random.default_rng(16)
    with open(path, "wb") as out:
        out.write(b"YUV4MPEG2 W%d H%d F10:1 Ip A1:1 C420jpeg\n" % size)
        for shot in shots * cycles:
            image = Image.open(io.BytesIO(shot)).convert("RGB").resize(size)
            y, cb, cr = image.convert("YCbCr").split()
            chroma = cb.resize(half).tobytes() + cr.resize(half).tobytes()
            luma = np.asarray(y, dtype=np.int16)
            for _ in range(frames_each):
                grain = noise.integers(-3, 4, size=luma.shape, dtype=np.int16)
                noisy = np.clip(luma + grain, 0, 255).astype(np.uint8)
                out.write(b"FRAME\n" + noisy.tobytes() + chroma)
    return path


def force_direction(page, direction: str) -> None:
    """The server picks at random; the test takes the first challenge that asks for
    `direction` (the others are never answered and expire)."""

    def handle(route):
        for _ in range(40):
            response = route.fetch()
            if response.json().get("direction") == direction:
                route.fulfill(response=response)
                return
        route.abort()

    page.route("**/api/v1/liveness/challenge", handle)


def run_kiosk(stack, key, camera, direction, output_dir, name):
    with browser_page(camera) as page:
        force_direction(page, direction)
        page.goto(f"{stack.url}/checkin?cooldown=60000")
        page.fill("#kiosk-key", key)
        page.click("#save-key")
        wait_for(page, "document.querySelector('#result').dataset.state === 'challenge'", 90)
        page.screenshot(path=str(output_dir / f"checkin-challenge-{name}-prompt.png"))
        prompt = page.inner_text("#result-message")
        wait_for(page, "window.facegate.challenges >= 1", 60)
        page.screenshot(path=str(output_dir / f"checkin-challenge-{name}.png"))
        return (
            prompt,
            page.get_attribute("#result", "data-state"),
            page.inner_text("#result"),
            page.evaluate("window.facegate.lastChallenge"),
            # (the reason is logged for a failing run)
            page.evaluate("window.facegate.lastChallengeMs"),
        )


@pytest.mark.browser
def test_the_kiosk_asks_for_a_turn_and_a_real_turn_checks_in(
    stack, turning, tmp_path, output_dir, record_property
):
    key, frames = turning
    camera = write_turning_y4m([frames["front"], frames["left"]], tmp_path / "left.y4m")
    prompt, state, shown, last, took_ms = run_kiosk(
        stack, key, camera, "left", output_dir, "passed"
    )
    assert prompt == "Turn your head to your left"
    assert last == {"direction": "left", "status": 200, "code": "", "reason": ""}, last
    assert state == "matched" and "Barack Obama" in shown
    record_property("challenge_prompt_to_answer_ms", took_ms)
    print(f"\nkiosk challenge, prompt to answer: {took_ms} ms")
    assert took_ms is not None and took_ms > 0


@pytest.mark.browser
def test_the_kiosk_refuses_a_turn_the_wrong_way_and_a_still_photo(
    stack, turning, photos, tmp_path, output_dir
):
    key, frames = turning
    wrong = write_turning_y4m([frames["front"], frames["right"]], tmp_path / "right.y4m")
    _, state, shown, last, _ = run_kiosk(stack, key, wrong, "left", output_dir, "wrong-way")
    assert (last["code"], last["reason"]) == ("liveness_failed", "wrong_way") and state == "error"
    assert "Turn it to your left" in shown
    still = write_turning_y4m([frames["front"]], tmp_path / "still.y4m")
    _, state, shown, last, _ = run_kiosk(stack, key, still, "right", output_dir, "still")
    assert (last["code"], last["reason"]) == ("liveness_failed", "no_turn") and state == "error"
    assert "Not verified" in shown and "No head turn was seen" in shown


@pytest.mark.browser
def test_hr_sets_a_kiosk_to_the_head_turn_and_reads_its_limits(stack, output_dir):
    from tests.e2e.test_admin_page import sign_in, tab

    made = call(stack.url, "POST", "/api/v1/keys", stack.admin_key, json={"name": "side-door"})
    assert made.status_code == 201
    try:
        with browser_page(None) as page:
            page.set_viewport_size({"width": 1280, "height": 900})
            sign_in(page, stack)
            tab(page, "kiosks")
            page.select_option("select[data-key='side-door']", "challenge")
            wait_for(page, "(window.facegate.loaded.liveness || 0) >= 1")
            page.click("#liveness-limits summary")
            limits = page.inner_text("#liveness-limits")
            assert "printed photo" in limits and "still photo on a phone" in limits
            assert "video" in limits and "3D mask" in limits
            assert "No passive anti-spoofing" in limits
            page.screenshot(path=str(output_dir / "admin-kiosks-liveness.png"), full_page=True)
        keys = call(stack.url, "GET", "/api/v1/keys", stack.admin_key).json()["items"]
        assert {k["name"]: k["liveness"] for k in keys}["side-door"] == "challenge"
    finally:
        call(stack.url, "DELETE", "/api/v1/keys/side-door", stack.admin_key)
