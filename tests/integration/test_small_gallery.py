"""Issue 25 through the real embedder (SFace, YuNet) and the backend's services on in-memory
stores: a gallery of 5 with the threshold floor refuses a stranger that the gallery-of-5
threshold lets in; a busy enrollment photo enrolls its large face and reports the others;
two large faces are refused. Test photos are composed from the sample photos at test time."""

from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from PIL import Image

from backend.bootstrap.services import build_services
from backend.calibration import load_calibration
from backend.domain import errors
from backend.domain.app import Services
from backend.domain.gallery_state import GalleryState
from backend.domain.model import DetectedFace, Extraction, Metric, ModelInfo, Quality
from backend.domain.thresholds import ThresholdSettings, thresholds_for
from backend.infrastructure.http_embedder import HttpEmbedder
from tests.composed import busy_photo, jpeg, opened
from tests.unit.world import FakeWorld

# Random 128-d unit vectors are nobody's face: about 1.0 from every real face.
STAND_INS = {f"other-{n}".encode(): np.random.default_rng(n).normal(size=128) for n in range(4)}


class EmbedderWithStandIns:
    """The real embedder, but for a few byte strings standing for other employees' photos."""

    def __init__(self, real: HttpEmbedder) -> None:
        self.real = real
        self.model = real.model_info()

    def extract(
        self, image: bytes, *, crop: bool = False, landmarks: bool = False, largest: bool = False
    ) -> Extraction:
        if image in STAND_INS:
            quality = Quality(face_size=200, sharpness=300.0, brightness=120.0)
            box = {"x": 0, "y": 0, "w": 200, "h": 200}
            face = DetectedFace(tuple(float(x) for x in STAND_INS[image]), box, 0.99, quality)
            return Extraction(self.model, [face])
        return self.real.extract(image, crop=crop, landmarks=landmarks, largest=largest)

    def model_info(self) -> ModelInfo:
        return self.model


@pytest.fixture(scope="module")
def embedder(embedder_url) -> Any:
    real = HttpEmbedder(embedder_url, timeout=60)
    yield EmbedderWithStandIns(real)
    real.close()


def services_on(world: FakeWorld, embedder: Any, **settings: Any) -> Services:
    """The backend's services on the world's stores, the real SFace embedder and its
    calibration; a new policy each time (no threshold cached from before)."""
    model = embedder.model_info()
    world.gallery_row.state = GalleryState(model, Metric.COSINE, world.faces.generation)
    adapters = replace(world.adapters(), model=model, embedder=embedder)
    adapters = replace(adapters, calibration=load_calibration)
    return build_services(world.settings(**settings), adapters)


def morph(photos: dict[str, bytes], embedder: Any, share: float) -> bytes:
    """biden.jpg's face laid over obama.jpg's (eyes on eyes), `share` of it: a stranger
    who looks a little like Obama, nearer to him the smaller the share."""
    obama, biden = photos["obama.jpg"], photos["biden.jpg"]
    eyes = [embedder.extract(p).faces[0].box for p in (obama, biden)]
    p1, p2, q1, q2 = (
        complex(*box[eye]) for box in eyes for eye in ("left_eye", "right_eye")
    )  # obama's two eyes, then biden's
    turn = (q2 - q1) / (p2 - p1)  # the similarity taking obama's eyes to biden's
    shift = q1 - turn * p1
    base = opened(obama)
    laid = opened(biden).transform(
        base.size,
        Image.Transform.AFFINE,
        (turn.real, -turn.imag, shift.real, turn.imag, turn.real, shift.imag),
        Image.Resampling.BICUBIC,
    )
    return jpeg(Image.blend(base, laid, share))


def test_a_gallery_of_five_with_the_floor_refuses_a_stranger_its_own_threshold_accepts(
    embedder, photos
):
    world = FakeWorld()
    enrolling = services_on(world, embedder)
    enrolling.enrollment.enroll("E1", "Barack Obama", photos["obama.jpg"])
    for number, stand_in in enumerate(STAND_INS, start=2):
        enrolling.enrollment.enroll(f"E{number}", f"employee {number}", stand_in)
    assert world.faces.count_faces() == 5
    calibration = load_calibration("SFace")
    own = thresholds_for(5, Metric.COSINE, calibration, None, ThresholdSettings(min_gallery=1))
    floored = thresholds_for(5, Metric.COSINE, calibration, None, ThresholdSettings())
    assert floored.floor_in_force and floored.match < own.match
    # strangers between the two thresholds: mostly Biden, a little Obama
    obama = np.asarray(embedder.extract(photos["obama.jpg"]).faces[0].embedding)
    strangers = []
    for share in np.arange(0.60, 0.80, 0.02):
        image = morph(photos, embedder, float(share))
        # the vector a check-in sees (the largest face, found the check-in's way)
        seen = np.asarray(embedder.extract(image, largest=True).faces[0].embedding)
        distance = 1 - seen @ obama / np.linalg.norm(seen) / np.linalg.norm(obama)
        if floored.match < distance <= own.match * 0.995:
            strangers.append(image)
    assert strangers, "no blend of the two faces fell between the two thresholds"
    without_floor = services_on(world, embedder, match_min_gallery=1)
    with_floor = services_on(world, embedder)
    for image in strangers:
        accepted = without_floor.checkin.check_in(image, "door")
        assert accepted.matched and accepted.match is not None
        assert accepted.match.employee_id == "E1"
        refused = with_floor.checkin.check_in(image, "door")
        assert (refused.matched, refused.reason) == (False, "no_match")
    # Obama himself still checks in with the floor
    himself = with_floor.checkin.check_in(photos["obama2.jpg"], "door")
    assert himself.matched and himself.match is not None and himself.match.employee_id == "E1"


@pytest.mark.parametrize(
    "biden_scale",
    [0.2, 0.35],  # his face ~60 px (below the 80 px floor); ~100 px (under half of Obama's)
)
def test_a_busy_photo_enrolls_its_large_face_and_reports_the_other(embedder, photos, biden_scale):
    world = FakeWorld()
    services = services_on(world, embedder)
    image = busy_photo(photos["obama.jpg"], photos["biden.jpg"], biden_scale)
    faces = embedder.extract(image).faces
    assert len(faces) == 2  # the background face is seen, and left out
    enrolled = services.enrollment.enroll("E1", "Barack Obama", image)
    assert enrolled.ignored_faces == 1
    box = enrolled.face_box
    assert box["x"] < 910 and box["w"] > 200  # Obama's face, in the left part
    # the vector stored is Obama's: obama2.jpg checks in as him
    found = services.checkin.check_in(photos["obama2.jpg"], "door")
    assert found.matched and found.match is not None and found.match.employee_id == "E1"


def test_two_large_faces_are_refused_and_nothing_is_stored(embedder, photos):
    world = FakeWorld()
    services = services_on(world, embedder)
    # Biden at 0.7, whole inside the picture: his face is about as wide as Obama's
    both_whole = busy_photo(photos["obama.jpg"], photos["biden.jpg"], 0.7, (900, 50))
    with pytest.raises(errors.MultipleFaces) as refused:
        services.enrollment.enroll("E1", "Barack Obama", both_whole)
    assert refused.value.details["enrollable_faces"] == 2
    assert world.faces.count_faces() == 0 and world.images.objects == {}


def test_a_large_face_cut_by_the_photo_s_edge_is_taken_for_a_bystander(embedder, photos):
    """Biden at 0.9 at the top right: the picture's right edge cuts through his head."""
    world = FakeWorld()
    services = services_on(world, embedder)
    cut = busy_photo(photos["obama.jpg"], photos["biden.jpg"], 0.9)
    extraction = embedder.extract(cut)
    assert extraction.frame == (1600, 1200)
    biden = max(extraction.faces, key=lambda f: f.box["x"])
    assert biden.box["x"] + biden.box["w"] > 1600 * 0.95  # at the edge, and large
    enrolled = services.enrollment.enroll("E1", "Barack Obama", cut)
    assert enrolled.ignored_faces == 1 and enrolled.face_box["x"] < 910
