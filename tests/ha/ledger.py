"""After the faults: what was acknowledged is all there. Every enrollment answered 201 has
its face row, its vector in the gallery's current generation and its photo; every check-in
answered 200 is in the attendance log; every committed check-in and face reached the webhook
receiver under exactly one event id (a retry may repeat an id, never make a second one)."""

from collections import defaultdict
from typing import Any

import psycopg

from tests.e2e.receiver import Receiver
from tests.ha.faults import HaCluster, wait_until
from tests.ha.load import SteadyLoad

DELIVERY_TIMEOUT = 120.0


def check_nothing_lost(ha: HaCluster, load: SteadyLoad, receiver: Receiver) -> dict[str, Any]:
    """Assert the above; the counts, for the report."""
    enrolled = {str(a.body["face_id"]) for a in load.of("enroll") if a.status == 201}
    # A retry of an enrollment that was kept though its answer was lost (commit_unknown, or
    # a later step of the request failing) is told so with the face it made: kept too.
    for answer in load.of("enroll"):
        if answer.code == "photo_already_enrolled":
            details = answer.body["error"].get("details", {})  # type: ignore[attr-defined]
            if details.get("face_id"):
                enrolled.add(str(details["face_id"]))
    # an unmatched frame has no check-in id (none expected: the kiosks show a known face)
    checked_in = {
        int(str(a.body["checkin_id"]))
        for a in load.of("checkin")
        if a.status == 200 and a.body.get("checkin_id") is not None
    }
    url = ha.cluster.stack_config()["DATABASE_URL"]
    with psycopg.connect(url, prepare_threshold=None, autocommit=True) as db:
        generation = db.execute("SELECT generation FROM gallery").fetchone()[0]  # type: ignore[index]
        employees = list(load.enrollees)
        faces = {
            row[0]
            for row in db.execute("SELECT id FROM face WHERE employee_id = ANY(%s)", (employees,))
        }
        vectors = {
            row[0]
            for row in db.execute(
                f"SELECT face_id FROM face_vector_{int(generation)} WHERE employee_id = ANY(%s)",
                (employees,),
            )
        }
        checkins = {
            row[0]
            for row in db.execute("SELECT id FROM checkin WHERE api_key_name LIKE 'ha-kiosk-%'")
        }
    assert enrolled <= faces, sorted(enrolled - faces)
    assert enrolled <= vectors, sorted(enrolled - vectors)
    assert checked_in <= checkins, sorted(checked_in - checkins)

    def events() -> dict[tuple[str, str], set[str]]:
        seen: dict[tuple[str, str], set[str]] = defaultdict(set)
        for event in receiver.events():
            data = event["data"]
            subject = data.get("checkin_id") or data.get("face_id")
            seen[(event["type"], str(subject))].add(event["id"])
        return seen

    wanted = {("checkin.matched", str(c)) for c in checkins}
    wanted |= {("employee.enrolled", str(f)) for f in faces}
    wait_until(lambda: wanted <= set(events()), DELIVERY_TIMEOUT, "every event delivered")
    twice = {subject: ids for subject, ids in events().items() if len(ids) > 1}
    assert twice == {}, twice
    return {
        "enrollments_acknowledged": len(enrolled),  # 201, or 409 naming the kept face
        "faces_in_database": len(faces),
        "checkins_acknowledged": len(checked_in),
        "checkins_in_database": len(checkins),
        "webhook_events_received": len(receiver.events()),
        "webhook_events_expected": len(wanted),
    }
