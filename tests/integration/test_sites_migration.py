"""Migration 0013 on a database with data at 0012: every employee, face, check-in and key
is kept, and all of them are in the default site."""

from sqlalchemy import text

from backend.infrastructure.database import make_engine, migrate
from backend.infrastructure.pg_gallery import vector_table
from tests.integration.test_gallery_migration import upgrade_to

COUNTED = ("employee", "face", "checkin", "api_key")


def _fill_at_0012(db) -> None:
    # the generation table as 0009 made it (today's create_generation adds `sites`)
    db.execute(
        text(
            f"CREATE TABLE {vector_table(1)} (face_id varchar(32) PRIMARY KEY, "
            "employee_id varchar(64) NOT NULL, embedding vector(4) NOT NULL)"
        )
    )
    db.execute(
        text(
            "UPDATE gallery SET model = 'SFace', detector = 'yunet', dim = 4, metric = 'cosine', "
            "generation = 1, next_generation = 1"
        )
    )
    for i in range(3):
        db.execute(
            text("INSERT INTO employee (id, name) VALUES (:i, :n)"), {"i": f"E{i}", "n": f"n{i}"}
        )
        db.execute(
            text(
                "INSERT INTO face (id, employee_id, model, detector, image_key, quality) "
                "VALUES (:f, :e, 'SFace', 'yunet', :key, '{}')"
            ),
            {"f": f"f{i}", "e": f"E{i}", "key": f"k{i}"},
        )
        db.execute(
            text(
                f"INSERT INTO {vector_table(1)} (face_id, employee_id, embedding) "
                "VALUES (:f, :e, '[1,0,0,0]')"
            ),
            {"f": f"f{i}", "e": f"E{i}"},
        )
        db.execute(
            text(
                "INSERT INTO checkin (employee_id, matched, distance, api_key_name) "
                "VALUES (:e, true, 0.1, 'door')"
            ),
            {"e": f"E{i}"},
        )
    db.execute(text("INSERT INTO api_key (name, role, key_hash) VALUES ('door', 'kiosk', 'h1')"))
    db.execute(text("INSERT INTO api_key (name, role, key_hash) VALUES ('hr', 'admin', 'h2')"))


def _counts(db) -> dict[str, int]:
    return {t: db.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in COUNTED}


def test_everything_that_exists_lands_in_the_default_site(database_url, monkeypatch):
    monkeypatch.setenv("TIMEZONE", "Europe/Paris")
    engine = make_engine(database_url, pool_size=1)
    try:
        upgrade_to(engine, "0012")
        with engine.begin() as db:
            _fill_at_0012(db)
            before = _counts(db)
        assert migrate(engine) is not None
        with engine.connect() as db:
            assert _counts(db) == before == {"employee": 3, "face": 3, "checkin": 3, "api_key": 2}
            sites = db.execute(text("SELECT id, name, timezone, day_start_hour FROM site")).all()
            assert [tuple(s) for s in sites] == [(1, "Main office", "Europe/Paris", 0)]
            keys = db.execute(text("SELECT site_id, direction FROM api_key")).all()
            assert {tuple(k) for k in keys} == {(1, "both")}
            assert db.execute(text("SELECT DISTINCT site_id FROM checkin")).scalars().all() == [1]
            allowed = db.execute(text("SELECT bool_and(all_sites) FROM employee")).scalar_one()
            assert allowed is True
            sites = db.execute(text(f"SELECT sites FROM {vector_table(1)}")).scalars().all()
            assert sites == [[0], [0], [0]]  # every vector: allowed at every site
            # a new site takes the next id, not the default's
            new_id = db.execute(
                text("INSERT INTO site (name, timezone) VALUES ('B', 'UTC') RETURNING id")
            ).scalar_one()
            assert new_id == 2
    finally:
        engine.dispose()
