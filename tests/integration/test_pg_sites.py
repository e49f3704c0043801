"""Sites on PostgreSQL: two sites in different zones, kiosks in/out/both, a person allowed
only at one site, the scoped search and its counters, and the hours report read from the
database across a daylight-saving change."""

import json
import math
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from backend.domain.errors import SiteNameTaken, SiteNotFound
from backend.domain.hours import EndOfDay, OpenDayRule
from backend.domain.hours_report import HoursReport
from backend.domain.model import Role
from backend.domain.site_model import Direction
from backend.infrastructure.pg_hours import PgPunchLog
from backend.infrastructure.pg_keys import PgApiKeyStore
from backend.infrastructure.pg_sites import PgSites
from tests.integration.conftest import bound_repository
from tests.integration.use_cases import check_in, enroll

PARIS_TZ, TOKYO_TZ = "Europe/Paris", "Asia/Tokyo"


def unit(*values: float) -> list[float]:
    norm = math.sqrt(sum(v * v for v in values))
    return [v / norm for v in values]


@pytest.fixture
def world(engine):
    sites = PgSites(engine)
    paris = sites.update(1, "Paris", PARIS_TZ, 4, time(9, 0))
    assert paris is not None
    tokyo = sites.create("Tokyo", TOKYO_TZ, 4, None)
    keys = PgApiKeyStore(engine)
    keys.create("paris-in", Role.KIOSK, "h-in", paris.site_id, Direction.IN)
    keys.create("paris-out", Role.KIOSK, "h-out", paris.site_id, Direction.OUT)
    keys.create("tokyo-door", Role.KIOSK, "h-both", tokyo.site_id, Direction.BOTH)
    repo = bound_repository(engine)
    assert enroll(repo, "A", "fa", unit(1, 0, 0, 0)) is None
    assert enroll(repo, "B", "fb", unit(0, 1, 0, 0)) is None
    assert sites.set_allowed_sites("A", [paris.site_id])
    return repo, sites, {k.name: k for k in keys.list()}


def kiosk(keys, name):
    return keys[name].kiosk


def test_keys_carry_their_site_and_direction(world, engine):
    _, _, keys = world
    found = PgApiKeyStore(engine).find("h-both")
    assert found is not None
    key = found[0]
    assert (key.site.name, key.site.timezone, key.direction) == ("Tokyo", TOKYO_TZ, "both")
    assert keys["paris-in"].site.expected_start == time(9, 0)
    moved = PgApiKeyStore(engine).set_place("paris-out", key.site.site_id, Direction.BOTH)
    assert moved is not None and moved.site.name == "Tokyo"
    with pytest.raises(SiteNotFound):
        PgApiKeyStore(engine).set_place("paris-out", 99, Direction.IN)


def test_a_site_name_is_unique(world):
    _, sites, _ = world
    with pytest.raises(SiteNameTaken):
        sites.create("Tokyo", TOKYO_TZ, 0, None)


def test_someone_allowed_only_at_paris_is_not_recognised_in_tokyo(world, engine):
    repo, sites, keys = world
    away = check_in(repo, unit(1, 0.05, 0, 0), kiosk(keys, "tokyo-door"))
    assert not away.matched and away.reason == "no_match"
    with engine.connect() as db:
        counted = db.execute(text("SELECT sum(count), sum(not_allowed) FROM unknown_attempt")).one()
    assert tuple(counted) == (1, 1)
    home = check_in(repo, unit(1, 0.05, 0, 0), kiosk(keys, "paris-in"))
    assert home.matched and home.checkin is not None
    assert (home.checkin.site_id, home.checkin.direction) == (1, Direction.IN)
    # allowed everywhere again: recognised in Tokyo too
    sites.set_allowed_sites("A", None)
    assert check_in(repo, unit(1, 0.05, 0, 0), kiosk(keys, "tokyo-door"), 0).matched


def test_the_face_counts_follow_the_allowed_sites(world):
    repo, sites, _ = world
    tokyo = next(s for s in sites.list() if s.name == "Tokyo")
    assert repo.count_faces_at(1) == 2 and repo.count_faces_at(tokyo.site_id) == 1
    assert sites.allowed_sites("A") == [1] and sites.allowed_sites("B") is None
    with pytest.raises(SiteNotFound):
        sites.set_allowed_sites("A", [99])
    assert not sites.set_allowed_sites("nobody", [1])


def test_an_in_kiosk_an_out_kiosk_and_a_both_kiosk(world):
    repo, _, keys = world
    seen = [
        check_in(repo, unit(1, 0, 0, 0), kiosk(keys, "paris-in"), 0).checkin,
        check_in(repo, unit(1, 0, 0, 0), kiosk(keys, "paris-out"), 0).checkin,
        check_in(repo, unit(0, 1, 0, 0), kiosk(keys, "tokyo-door"), 0).checkin,
        check_in(repo, unit(0, 1, 0, 0), kiosk(keys, "tokyo-door"), 0).checkin,
        check_in(repo, unit(0, 1, 0, 0), kiosk(keys, "tokyo-door"), 0).checkin,
    ]
    assert [(c.employee_id, c.direction) for c in seen if c] == [
        ("A", "in"),
        ("A", "out"),
        ("B", "in"),
        ("B", "out"),
        ("B", "in"),
    ]
    tokyo_id = keys["tokyo-door"].site.site_id
    assert [c.site_id for c in seen if c] == [1, 1, tokyo_id, tokyo_id, tokyo_id]


def test_each_vector_carries_its_employees_sites(world, engine):
    repo, sites, _ = world
    table = f"face_vector_{repo.gallery.generation}"
    with engine.connect() as db:
        copied = dict(db.execute(text(f"SELECT employee_id, sites FROM {table}")).all())
    assert copied == {"A": [1], "B": [0]}


def punch(db, employee: str, site_id: int, direction: str, local: str, zone: str) -> None:
    moment = datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(zone))
    db.execute(
        text(
            "INSERT INTO checkin (employee_id, matched, distance, api_key_name, created_at, "
            "site_id, direction) VALUES (:e, true, 0.1, 'k', :t, :s, :d)"
        ),
        {"e": employee, "t": moment, "s": site_id, "d": direction},
    )


def test_the_report_of_a_week_across_the_spring_change(world, engine):
    repo, sites, _ = world
    night = sites.create("Depot", PARIS_TZ, 12, None)
    with engine.begin() as db:
        for d in range(23, 30):  # A: days in Paris, 09:00-17:00 but late on the 24th
            start = "09:20" if d == 24 else "09:00"
            punch(db, "A", 1, "in", f"2026-03-{d}T{start}", PARIS_TZ)
            if d != 27:  # forgot to check out on Friday
                punch(db, "A", 1, "out", f"2026-03-{d}T17:00", PARIS_TZ)
        for d in range(23, 30):  # B: nights at the depot, 22:00-06:00
            punch(db, "B", night.site_id, "in", f"2026-03-{d}T22:00", PARIS_TZ)
            punch(db, "B", night.site_id, "out", f"2026-03-{d + 1}T06:00", PARIS_TZ)
    report = HoursReport(punches=PgPunchLog(engine), end_of_day=EndOfDay())
    people = json.loads("".join(report.json(date(2026, 3, 23), date(2026, 3, 29), None)))
    by_id = {p["employee_id"]: p for p in people["people"]}
    a, b = by_id["A"], by_id["B"]
    assert a["total"]["worked_minutes"] == 6 * 8 * 60 - 20  # Friday open counts nothing
    assert (a["total"]["open_days"], a["total"]["late_days"]) == (1, 1)
    friday = next(d for d in a["days"] if d["working_day"] == "2026-03-27")
    assert friday["open"] and friday["last_out"] is None
    late = next(d for d in a["days"] if d["working_day"] == "2026-03-24")
    assert late["late_minutes"] == 20 and late["first_in"] == "2026-03-24T09:20:00+01:00"
    saturday = next(d for d in b["days"] if d["working_day"] == "2026-03-28")
    assert saturday["worked_minutes"] == 7 * 60  # the clocks went forward that night
    assert saturday["last_out"] == "2026-03-29T06:00:00+02:00"
    assert b["total"]["worked_minutes"] == 7 * 8 * 60 - 60 and b["total"]["days"] == 7
    # the operator's rule: close an open day at 18:00, still flagged
    closing = HoursReport(
        punches=PgPunchLog(engine), end_of_day=EndOfDay(OpenDayRule.CLOSE_AT, time(18, 0))
    )
    csv_lines = list(closing.csv(date(2026, 3, 27), date(2026, 3, 27), 1))
    assert csv_lines[0].startswith("kind,employee_id")
    assert csv_lines[1].split(",")[7:9] == ["540", "true"]  # 09:00-18:00, open
    assert csv_lines[2].startswith("total,A,")  # only site 1: B's depot nights left out
    assert len(csv_lines) == 3


def test_the_exact_site_search_never_walks_the_hnsw_graph(world, engine):
    """Even with every other way of reading the table priced out, the exact search reads
    the rows themselves: the graph is approximate and would need a filter afterwards."""
    from backend.infrastructure.database import transaction
    from backend.infrastructure.pg_faces import exact_at_site_sql
    from backend.infrastructure.pg_gallery import vector_table

    repo, _, _ = world
    with transaction(engine) as db:
        db.execute(text("SET LOCAL enable_seqscan = off"))
        db.execute(text("SET LOCAL enable_bitmapscan = off"))
        plan = "\n".join(
            db.execute(
                text("EXPLAIN " + exact_at_site_sql(repo.gallery)),
                {"q": "[1,0,0,0]", "k": 8, "site": 1},
            ).scalars()
        )
    assert vector_table(repo.gallery.generation) in plan
    assert "hnsw" not in plan.lower()


def test_the_exact_and_the_indexed_scoped_searches_agree(world, engine):
    from backend.infrastructure.database import transaction
    from backend.infrastructure.pg_faces import nearest_faces

    repo, sites, _ = world
    tokyo = next(s for s in sites.list() if s.name == "Tokyo")
    for site_id, allowed in ((1, {"A", "B"}), (tokyo.site_id, {"B"})):
        with transaction(engine) as db:
            walked = nearest_faces(db, 100, unit(1, 0.2, 0, 0), repo.gallery, 8, None, site_id)
            exact = nearest_faces(
                db, 100, unit(1, 0.2, 0, 0), repo.gallery, 8, None, site_id, exact=True
            )
        assert [m.employee_id for m in walked] == [m.employee_id for m in exact]
        assert {m.employee_id for m in exact} == allowed
