"""The directory's and single sign-on's adapters on the real PostgreSQL: userName unique
whatever its case among live people (also when the domain's check is raced), the day a
person left kept, groups moving departments in one transaction, sessions that end after
idle time on the database's clock and a login's state used once."""

from datetime import date, timedelta

import pytest
from sqlalchemy import text

from backend.domain.directory_model import DirectoryGroup, DirectoryPerson
from backend.domain.errors import UserNameTaken
from backend.domain.ports.signin import SignedIn
from backend.infrastructure.pg_directory import PgDirectory
from backend.infrastructure.pg_groups import PgGroups
from backend.infrastructure.pg_sessions import PgSessionStore


def person(employee_id: str, user_name: str, **given: object) -> DirectoryPerson:
    return DirectoryPerson(employee_id, user_name, name=user_name, **given)  # type: ignore[arg-type]


def test_a_user_name_is_unique_among_live_people_in_the_database_itself(engine) -> None:
    store = PgDirectory(engine)
    store.save(person("e1", "bjensen@example.com"))
    with pytest.raises(UserNameTaken):  # the unique index, not the use case, refuses
        store.save(person("e2", "BJensen@example.com"))
    assert store.holder_of("BJENSEN@EXAMPLE.COM") == "e1"
    assert store.deprovision("e1") and store.get("e1") is None
    store.save(person("e2", "BJensen@example.com"))  # free again after the delete
    assert store.holder_of("bjensen@example.com") == "e2"


def test_the_day_a_person_left_is_kept_until_they_are_active_again(engine) -> None:
    store = PgDirectory(engine)
    store.save(person("e1", "a@example.com", active=False))
    store.mark_left("e1", date(2026, 12, 1))
    store.mark_left("e1", date(2026, 12, 9))
    assert store.get("e1").left_on == date(2026, 12, 1)  # type: ignore[union-attr]
    store.mark_active("e1")
    assert store.get("e1").left_on is None  # type: ignore[union-attr]
    with engine.connect() as db:
        assert (
            db.execute(text("SELECT name FROM employee WHERE id = 'e1'")).scalar()
            == "a@example.com"
        )


def test_a_group_is_its_members_department(engine) -> None:
    people, groups = PgDirectory(engine), PgGroups(engine)
    for n in (1, 2):
        people.save(person(f"e{n}", f"p{n}@example.com"))
    with groups.writing() as tx:
        sales = DirectoryGroup("g1", "Sales", members=("e1", "e2", "not-yet"))
        tx.save_group(sales, department=True)

    def departments() -> dict[str, str | None]:
        with engine.connect() as db:
            rows = db.execute(text("SELECT id, department FROM employee ORDER BY id"))
            return {r.id: r.department for r in rows}

    assert departments() == {"e1": "Sales", "e2": "Sales"}
    assert groups.get_group("g1").members == ("e1", "e2", "not-yet")  # type: ignore[union-attr]
    with groups.writing() as tx:
        tx.save_group(DirectoryGroup("g1", "Field sales", members=("e2",)), department=True)
    assert departments() == {"e1": None, "e2": "Field sales"}
    with pytest.raises(UserNameTaken), groups.writing() as tx:
        tx.save_group(DirectoryGroup("g2", "FIELD SALES"), department=True)
    with groups.writing() as tx:
        assert tx.delete_group("g1")
    assert departments() == {"e1": None, "e2": None}


def test_a_session_ends_after_idle_time_and_a_state_is_used_once(engine) -> None:
    store = PgSessionStore(engine)
    alice = SignedIn("alice", "https://id.example.com", "Alice", frozenset({"admin"}), "csrf")
    store.add_session("token-hash", alice)
    assert store.touch("token-hash", 60) == alice
    with engine.begin() as db:  # an hour without a request, on the database's clock
        db.execute(text("UPDATE sign_in_session SET last_seen_at = now() - interval '1 hour'"))
    assert store.touch("token-hash", 60) is None
    with engine.connect() as db:
        assert db.execute(text("SELECT count(*) FROM sign_in_session")).scalar() == 0
    store.add_login("state-hash", "verifier", "nonce", "/admin")
    taken = store.take_login("state-hash")
    assert taken is not None and taken.now - taken.started_at < timedelta(minutes=1)
    assert store.take_login("state-hash") is None
