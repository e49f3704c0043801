"""Attendance exports, enroll-dir and reembed against the real stack and real photos."""

import csv
import io
import json
import re
import uuid

import httpx
import pytest
from sqlalchemy import text

from backend.infrastructure.database import make_engine
from backend.infrastructure.pg_gallery import generation_tables, vector_table
from embedder.sface_int8 import int8_kernels_exact
from facegate.children import start_backend
from facegate.processes import free_port
from facegate.samples import frame
from tests.backends import as_admin as admin
from tests.backends import search
from tests.conftest import blank_image, run_cli


@pytest.fixture
def db(stack):
    engine = make_engine(stack.env["DATABASE_URL"], pool_size=1)
    yield engine
    engine.dispose()


@pytest.fixture
def people_dir(tmp_path, photos, stack):
    """DIR/<employee_id>/*.jpg with good photos, a broken file and a photo with no face."""
    folder = tmp_path / "staff"
    for employee_id, names in {
        "OPS-OBAMA": ["obama.jpg", "obama2.jpg"],
        "OPS-BIDEN": ["biden.jpg"],
        "OPS-NOBODY": [],
    }.items():
        (folder / employee_id).mkdir(parents=True)
        for name in names:
            (folder / employee_id / name).write_bytes(photos[name])
    (folder / "OPS-NOBODY" / "wall.jpg").write_bytes(blank_image())
    (folder / "OPS-BIDEN" / "broken.jpg").write_bytes(b"\xff\xd8 truncated")
    (folder / "people.csv").write_text(
        "employee_id,employee_name\nOPS-OBAMA,Barack Obama\nOPS-BIDEN,Joe Biden\n"
    )
    yield folder
    for employee_id in ("OPS-OBAMA", "OPS-BIDEN", "OPS-NOBODY"):
        admin(stack, "DELETE", f"/api/v1/employees/{employee_id}")


def summary_counts(output: str) -> dict[str, int]:
    counts = {}
    for line in output.splitlines():
        found = re.match(r"^\W*([a-z][a-z ()]+?)\s*\W\s*(\d+)\s*\W*$", line)
        if found:
            counts[found.group(1)] = int(found.group(2))
    return counts


def test_enroll_dir_counts_each_case_and_adds_nothing_twice(stack, people_dir, db):
    first = run_cli("enroll-dir", str(people_dir), env=stack.env)
    assert first.returncode == 0, first.stderr
    counts = summary_counts(first.stdout)
    assert counts["enrolled"] == 3
    assert counts["no face"] == 1 and counts["unreadable"] == 1
    assert counts["total"] == 5
    with db.connect() as c:
        faces = c.execute(text("SELECT count(*) FROM face WHERE employee_id LIKE 'OPS-%'")).scalar()
        name = c.execute(text("SELECT name FROM employee WHERE id = 'OPS-BIDEN'")).scalar()
    assert faces == 3 and name == "Joe Biden"

    second = run_cli("enroll-dir", str(people_dir), env=stack.env)
    again = summary_counts(second.stdout)
    assert again["enrolled"] == 0 and again["already enrolled (skipped)"] == 3
    with db.connect() as c:
        assert (
            c.execute(text("SELECT count(*) FROM face WHERE employee_id LIKE 'OPS-%'")).scalar()
            == 3
        )


def test_exports_agree_with_the_checkin_rows(stack, people_dir, photos, db, tmp_path):
    assert run_cli("enroll-dir", str(people_dir), env=stack.env).returncode == 0
    for name in ("obama2.jpg", "obama3.jpg", "biden.jpg", "obama2.jpg"):
        search(stack, frame(photos[name]))
    with db.connect() as c:
        rows = c.execute(
            text("SELECT id, employee_id, matched FROM checkin ORDER BY created_at, id")
        ).all()
    listed = admin(stack, "GET", "/api/v1/checkins", params={"limit": 1000}).json()
    assert [(i["checkin_id"], i["employee_id"], i["matched"]) for i in listed["items"]] == [
        tuple(r) for r in rows
    ]
    exported = admin(stack, "GET", "/api/v1/checkins", params={"format": "csv"})
    assert exported.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(exported.text)))
    assert [
        (int(r["checkin_id"]), r["employee_id"] or None, r["matched"] == "true") for r in table
    ] == [tuple(r) for r in rows]
    assert all(re.search(r"[+-]\d\d:\d\d$", r["checked_in_at"]) for r in table)

    cli_file = tmp_path / "out.csv"
    assert run_cli("checkins", "export", "--out", str(cli_file), env=stack.env).returncode == 0
    assert cli_file.read_text() == exported.text

    mine = admin(
        stack, "GET", "/api/v1/checkins", params={"employee_id": "OPS-OBAMA", "matched": "true"}
    ).json()
    assert mine["total"] == 1  # obama2, obama3, obama2 within the repeat window: one row
    today = listed["items"][-1]["checked_in_at"][:10]
    daily = admin(stack, "GET", "/api/v1/attendance/daily", params={"date": today}).json()
    obama = next(e for e in daily["employees"] if e["employee_id"] == "OPS-OBAMA")
    times = [i["checked_in_at"] for i in mine["items"]]
    assert obama["checkins"] == 1
    assert (obama["first_checkin"], obama["last_checkin"]) == (times[0], times[-1])


def current_vectors(c) -> str:
    """The table of the gallery's current generation."""
    return vector_table(c.execute(text("SELECT generation FROM gallery")).scalar_one())


def vectors(c) -> dict[str, str]:
    return dict(c.execute(text(f"SELECT face_id, embedding::text FROM {current_vectors(c)}")).all())


def test_reembed_recomputes_every_vector_and_a_failed_run_changes_nothing(
    stack, people_dir, photos, db
):
    assert run_cli("enroll-dir", str(people_dir), env=stack.env).returncode == 0
    with db.begin() as c:  # spoil every stored vector: only a real re-embed brings them back
        c.execute(
            text(
                f"UPDATE {current_vectors(c)} SET embedding = (SELECT "
                "array_agg(random())::vector(128) FROM generate_series(1, 128)) "
                "WHERE employee_id LIKE 'OPS-%'"
            )
        )
        spoiled = vectors(c)
        tables = generation_tables(c)
    assert search(stack, frame(photos["obama3.jpg"]))["matched"] is False

    # A photo gone from the store: the run fails and the gallery is left as it was.
    victim = next(iter(spoiled))
    with db.connect() as c:
        key = c.execute(text("SELECT image_key FROM face WHERE id = :f"), {"f": victim}).scalar()
    from minio import Minio

    store = Minio(
        stack.env["S3_ENDPOINT"].removeprefix("http://"),
        access_key=stack.env["S3_ACCESS_KEY"],
        secret_key=stack.env["S3_SECRET_KEY"],
        secure=False,
    )
    original = store.get_object(stack.env["S3_BUCKET"], key).read()
    store.remove_object(stack.env["S3_BUCKET"], key)
    failed = run_cli("reembed", "--model", "SFace", env=stack.env)
    assert failed.returncode != 0 and "unchanged" in failed.stderr
    with db.connect() as c:  # the same vectors, and the failed run's generation is gone
        assert vectors(c) == spoiled and generation_tables(c) == tables

    store.put_object(stack.env["S3_BUCKET"], key, io.BytesIO(original), len(original))
    done = run_cli("reembed", "--model", "SFace", env=stack.env)
    assert done.returncode == 0, done.stderr
    with db.connect() as c:  # a new generation, the old one dropped
        now = vectors(c)
        assert c.execute(text("SELECT model, dim FROM gallery")).one() == ("SFace", 128)
        assert list(generation_tables(c).values()) == [current_vectors(c)]
    assert all(now[f] != spoiled[f] for f in spoiled)
    found = search(stack, frame(photos["obama3.jpg"]))
    assert found["matched"] is True and found["employee_id"] == "OPS-OBAMA"


def test_reembed_refuses_an_embedder_of_another_model(stack):
    refused = run_cli("reembed", "--model", "ArcFace", env=stack.env)
    assert refused.returncode != 0 and "EMBEDDER_MODEL=ArcFace" in refused.stderr


def gallery_of_its_own(stack, postgres, name: str, embedder_url: str) -> dict[str, str]:
    """The stack's environment on a database and bucket of their own, with this embedder."""
    database = f"{name}_" + uuid.uuid4().hex[:8]
    postgres.server.psql(f"CREATE DATABASE {database};")
    return {
        **stack.env,
        "DATABASE_URL": postgres.url.replace("/facegate?", f"/{database}?"),
        "S3_BUCKET": f"{name}-" + uuid.uuid4().hex[:8],
        "EMBEDDER_URL": embedder_url,
    }


def search_on(port: int, kiosk_key: str, photo: bytes) -> dict:
    """A check-in of the photo (as a kiosk frame) on the backend at this port."""
    answer: dict = httpx.post(
        f"http://127.0.0.1:{port}/api/v1/employees/search",
        headers={"X-API-Key": kiosk_key},
        files={"image": ("f.jpg", frame(photo))},
        timeout=60,
    ).json()
    return answer


def test_a_dlib_gallery_moves_to_sface_with_reembed(
    stack, people_dir, photos, postgres, dlib_embedder_url, embedder_url, session_dir
):
    """docs/face-model-and-accuracy.md's upgrade path: Dlib gallery, re-embedded with SFace."""
    env = gallery_of_its_own(stack, postgres, "dlib", dlib_embedder_url)
    assert run_cli("enroll-dir", str(people_dir), env=env).returncode == 0
    engine = make_engine(env["DATABASE_URL"], pool_size=1)
    try:
        with engine.connect() as c:
            assert c.execute(text("SELECT model FROM gallery")).scalar() == "Dlib"
            faces = c.execute(text("SELECT count(*) FROM face")).scalar()
        # a backend on SFace refuses the Dlib gallery, naming the way out
        refused = run_cli("enroll-dir", str(people_dir), env={**env, "EMBEDDER_URL": embedder_url})
        assert refused.returncode != 0 and "facegate reembed --model SFace" in refused.stderr

        moved = run_cli("reembed", "--model", "SFace", "--embedder-url", embedder_url, env=env)
        assert moved.returncode == 0, moved.stderr
        assert f"re-embedded {faces} faces with SFace" in moved.stdout
        with engine.connect() as c:
            assert c.execute(text("SELECT model, dim FROM gallery")).one() == ("SFace", 128)
            assert c.execute(text("SELECT DISTINCT model FROM face")).scalars().all() == ["SFace"]
    finally:
        engine.dispose()
    kiosk_key = run_cli("keys", "create", "--role", "kiosk", "--name", "moved", env=env)
    port = free_port()
    backend = start_backend(port, {**env, "EMBEDDER_URL": embedder_url}, session_dir / "moved.log")
    try:
        found = search_on(port, kiosk_key.stdout.strip(), photos["obama3.jpg"])
        assert found["matched"] is True and found["employee_id"] == "OPS-OBAMA"
    finally:
        backend.stop()


@pytest.mark.skipif(not int8_kernels_exact(), reason="this CPU has no VNNI: SFace-int8 refuses it")
def test_an_sface_gallery_moves_to_sface_int8_with_reembed(
    stack, people_dir, photos, postgres, embedder_url, int8_embedder_url, session_dir
):
    """docs/face-model-and-accuracy.md's opt-in: SFace's gallery re-embedded with SFace-int8,
    whose own calibration then sets the thresholds."""
    env = gallery_of_its_own(stack, postgres, "int8", embedder_url)
    assert run_cli("enroll-dir", str(people_dir), env=env).returncode == 0
    int8_env = {**env, "EMBEDDER_URL": int8_embedder_url}
    refused = run_cli("enroll-dir", str(people_dir), env=int8_env)
    assert refused.returncode != 0 and "facegate reembed --model SFace-int8" in refused.stderr

    moved = run_cli(
        "reembed", "--model", "SFace-int8", "--embedder-url", int8_embedder_url, env=env
    )
    assert moved.returncode == 0, moved.stderr
    engine = make_engine(env["DATABASE_URL"], pool_size=1)
    try:
        with engine.connect() as c:
            assert c.execute(text("SELECT model, dim FROM gallery")).one() == ("SFace-int8", 128)
    finally:
        engine.dispose()
    kiosk_key = run_cli("keys", "create", "--role", "kiosk", "--name", "int8", env=env)
    admin_key = run_cli("keys", "create", "--role", "admin", "--name", "int8-admin", env=env)
    port = free_port()
    backend = start_backend(port, int8_env, session_dir / "int8.log")
    try:
        found = search_on(port, kiosk_key.stdout.strip(), photos["obama3.jpg"])
        assert found["matched"] is True and found["employee_id"] == "OPS-OBAMA"
        gallery = httpx.get(
            f"http://127.0.0.1:{port}/api/v1/gallery",
            headers={"X-API-Key": admin_key.stdout.strip()},
            timeout=10,
        ).json()
        assert gallery["model"] == "SFace-int8"
        assert gallery["threshold_basis"] == "calibrated"  # its own table, not DeepFace's 1:1
    finally:
        backend.stop()


def test_gallery_set_writes_the_row_that_show_and_the_api_report(stack):
    """`facegate gallery set` recalibrates the running gallery; `default` puts it back."""
    try:
        changed = run_cli("gallery", "set", "--match-margin", "0.2", env=stack.env)
        assert changed.returncode == 0, changed.stderr
        assert json.loads(changed.stdout)["settings"]["match_margin"] == {
            "value": 0.2,
            "source": "gallery",
        }
        shown = json.loads(run_cli("gallery", "show", env=stack.env).stdout)
        assert shown["settings"]["match_margin"]["value"] == 0.2
        refused = run_cli("gallery", "set", "--match-margin", "two", env=stack.env)
        assert refused.returncode != 0 and "a number or 'default'" in refused.stderr
        out_of_range = run_cli("gallery", "set", "--match-margin", "1.5", env=stack.env)
        assert out_of_range.returncode != 0 and "not valid" in out_of_range.stderr
    finally:
        reset = run_cli("gallery", "set", "--match-margin", "default", env=stack.env)
    assert json.loads(reset.stdout)["settings"]["match_margin"]["source"] == "configuration"


def test_gallery_set_moves_the_threshold_floor(stack):
    """`--match-min-gallery` writes the floor (issue 25): the thresholds follow at once."""
    try:
        changed = run_cli("gallery", "set", "--match-min-gallery", "5", env=stack.env)
        assert changed.returncode == 0, changed.stderr
        report = json.loads(changed.stdout)
        assert report["match_min_gallery"] == 5
        assert report["settings"]["match_min_gallery"] == {"value": 5, "source": "gallery"}
        assert report["thresholds_sized_for"] == max(report["faces"], 5)
        halves = run_cli("gallery", "set", "--match-min-gallery", "2.5", env=stack.env)
        assert halves.returncode != 0 and "not valid" in halves.stderr
    finally:
        reset = run_cli("gallery", "set", "--match-min-gallery", "default", env=stack.env)
    assert json.loads(reset.stdout)["match_min_gallery"] == 100
