"""The gallery's row: followed with a short cache, recalibrated by an admin (API and
domain), and the one model rule."""

import pytest

from backend.domain import errors
from backend.domain.gallery_state import (
    FOLLOW_SECONDS,
    FollowedGallery,
    GalleryState,
    ThresholdOverrides,
    may_adopt,
)
from backend.domain.matching import MatchPolicy
from backend.domain.model import Metric, ModelInfo
from backend.domain.thresholds import ThresholdSettings
from tests.unit.fake_gallery import FakeGalleryRow
from tests.unit.fakes import DLIB, FakeFaceRepository, face
from tests.unit.world import FakeWorld


def test_a_replica_follows_the_row_once_its_cache_has_run_out():
    row = FakeGalleryRow(FakeFaceRepository())
    now = {"t": 0.0}
    followed = FollowedGallery(row.read, clock=lambda: now["t"])
    policy = MatchPolicy(followed, defaults=ThresholdSettings(match_override=0.05))
    assert policy.thresholds().match == 0.05
    row.set_thresholds({"match_threshold": 0.03})  # written by another replica
    now["t"] = FOLLOW_SECONDS - 0.1
    assert policy.thresholds().match == 0.05  # still cached: at most FOLLOW_SECONDS stale
    now["t"] = FOLLOW_SECONDS
    assert policy.thresholds().match == 0.03 and row.reads == 2


def test_overrides_replace_the_configured_settings_one_by_one():
    defaults = ThresholdSettings(stranger_accept_target=0.005, ambiguity_margin=0.1)
    overrides = ThresholdOverrides(stranger_accept_rate=0.001)
    assert overrides.applied_to(defaults) == ThresholdSettings(
        stranger_accept_target=0.001, ambiguity_margin=0.1
    )


@pytest.mark.parametrize(
    "changes",
    [{"stranger_accept_rate": 1.5}, {"match_threshold": 0.0}, {"match_margin": 1.0}, {"x": 1.0}],
)
def test_settings_out_of_range_are_refused(changes):
    with pytest.raises(errors.ValidationFailed) as refused:
        ThresholdOverrides().changed(changes)
    assert set(refused.value.details["fields"]) == set(changes)


def test_the_model_rule_adopts_only_an_unbound_or_empty_gallery():
    arcface = ModelInfo("ArcFace", 512, "dlib")
    assert may_adopt(None, DLIB, faces=0) is True
    assert may_adopt(DLIB, DLIB, faces=5) is False
    assert may_adopt(DLIB, arcface, faces=0) is True
    with pytest.raises(errors.ModelMismatch, match="facegate reembed --model ArcFace"):
        may_adopt(DLIB, arcface, faces=1)


def test_a_replica_whose_embedder_runs_the_old_model_refuses_after_a_switch():
    state = {"now": GalleryState(DLIB, Metric.COSINE, 1)}
    policy = MatchPolicy(lambda: state["now"])
    assert policy.check_model(DLIB).generation == 1
    state["now"] = GalleryState(ModelInfo("SFace", 128, "yunet"), Metric.COSINE, 2)
    with pytest.raises(errors.ModelMismatch, match="EMBEDDER_MODEL=SFace"):
        policy.check_model(DLIB)


@pytest.fixture
def api(tmp_path):
    world = FakeWorld()
    world.embedder.faces[b"\xff\xd8a"] = [face((1.0, 0.0, 0.0))]
    with world.api(tmp_path) as (client, kiosk):
        yield client, kiosk, world


def test_an_admin_recalibrates_through_the_api_and_sees_where_settings_come_from(api):
    client, _, world = api
    before = client.get("/api/v1/gallery").json()
    assert before["settings"]["match_threshold"] == {"value": None, "source": "configuration"}
    assert before["generation"] == 1
    changed = client.patch("/api/v1/gallery", json={"match_threshold": 0.05, "match_margin": 0.2})
    assert changed.status_code == 200
    body = changed.json()
    assert body["match_threshold"] == 0.05 and body["threshold_basis"] == "configured"
    assert body["settings"]["match_threshold"] == {"value": 0.05, "source": "gallery"}
    assert body["settings"]["match_margin"] == {"value": 0.2, "source": "gallery"}
    assert world.gallery_row.state.overrides.match_threshold == 0.05
    # null puts a setting back to the configured value
    reset = client.patch("/api/v1/gallery", json={"match_threshold": None}).json()
    assert reset["settings"]["match_threshold"]["source"] == "configuration"
    assert reset["settings"]["match_margin"]["value"] == 0.2


@pytest.mark.parametrize(
    "body", [{"match_threshold": -1}, {"stranger_accept_rate": 2}, {"thresholds": 1}, [1]]
)
def test_a_bad_recalibration_is_a_json_error(api, body):
    client, _, world = api
    refused = client.patch("/api/v1/gallery", json=body)
    assert refused.status_code == 422
    assert set(refused.json()["error"]) == {"code", "message", "details"}
    assert world.gallery_row.state.overrides == ThresholdOverrides()


def test_only_an_admin_recalibrates(api):
    client, kiosk, _ = api
    refused = client.patch(
        "/api/v1/gallery", json={"match_threshold": 0.05}, headers={"X-API-Key": kiosk}
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"


def test_a_check_in_on_a_replica_whose_embedder_runs_the_old_model_is_a_clear_503(api):
    client, kiosk, world = api
    state = world.gallery_row.state
    world.gallery_row.state = GalleryState(ModelInfo("SFace", 128, "yunet"), state.metric, 2)
    answer = client.post(
        "/api/v1/employees/search",
        headers={"X-API-Key": kiosk},
        files={"image": ("f.jpg", b"\xff\xd8a", "image/jpeg")},
    )
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "model_mismatch"
    assert "EMBEDDER_MODEL=SFace" in answer.json()["error"]["message"]
