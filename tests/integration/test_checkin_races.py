"""One person seen by many kiosks (or replicas) at the same moment, on the real
PostgreSQL: the employee's lock and the read after it make one row, the rest repeats of it."""

import threading
from concurrent.futures import ThreadPoolExecutor

from backend.domain.model import CheckinFilter
from backend.infrastructure.pg_checkins import PgCheckinLog
from tests.integration.conftest import bound_repository
from tests.integration.test_pg_repository import unit
from tests.integration.use_cases import check_in, enroll

KIOSKS = 12


def test_check_ins_of_one_person_at_once_write_one_row(engine):
    repo = bound_repository(engine)
    assert enroll(repo, "E1", "f1", unit(1, 0, 0, 0)) is None
    start = threading.Barrier(KIOSKS)

    def at_a_kiosk(n: int):
        start.wait()
        return check_in(bound_repository(engine), unit(1, 0, 0, 0), kiosk=f"door-{n}")

    with ThreadPoolExecutor(KIOSKS) as pool:
        outcomes = list(pool.map(at_a_kiosk, range(KIOSKS)))
    assert all(o.matched and o.checkin is not None for o in outcomes)
    written = [o for o in outcomes if not o.repeat]
    assert len(written) == 1
    first = written[0].checkin
    assert first is not None
    assert {o.checkin.checkin_id for o in outcomes if o.checkin} == {first.checkin_id}
    rows = list(PgCheckinLog(engine).stream(CheckinFilter()))
    assert [r.checkin.checkin_id for r in rows] == [first.checkin_id]
