"""The directory's site access groups on the real PostgreSQL: a site group's membership
gives the allowed sites and each vector's `sites` array, with an audit entry per change, in
one transaction; a group change (and a PATCH, read and written under the lock) waits while
another holds the groups' lock, then reads what that one committed."""

import math
import threading
import time as clock

from sqlalchemy import text

from backend.domain.audit import EMPLOYEE_SITES_CHANGED, Actor
from backend.domain.departments import DirectoryGroups
from backend.domain.directory_model import DirectoryGroup, DirectoryPerson
from backend.infrastructure.pg_directory import PgDirectory
from backend.infrastructure.pg_groups import PgGroups
from backend.infrastructure.pg_sites import PgSites
from tests.integration.conftest import bound_repository
from tests.integration.use_cases import enroll

OKTA = Actor("api_key", "okta", "okta")


def unit(*values: float) -> list[float]:
    norm = math.sqrt(sum(v * v for v in values))
    return [v / norm for v in values]


def setup(engine) -> tuple[DirectoryGroups, PgSites, str]:
    """Employees A and B with a face each, both provisioned; sites Main office (1), Tokyo (2)."""
    sites = PgSites(engine)
    assert sites.create("Tokyo", "Asia/Tokyo", 4, None).site_id == 2
    repo = bound_repository(engine)
    assert enroll(repo, "A", "fa", unit(1, 0, 0, 0)) is None
    assert enroll(repo, "B", "fb", unit(0, 1, 0, 0)) is None
    for employee in ("A", "B"):
        PgDirectory(engine).save(DirectoryPerson(employee, f"{employee}@x.example", name=employee))
    table = f"face_vector_{repo.gallery.generation}"
    return DirectoryGroups(store=PgGroups(engine)), sites, table


def vector_sites(engine, table: str) -> dict[str, list[int]]:
    with engine.connect() as db:
        return dict(db.execute(text(f"SELECT employee_id, sites FROM {table}")).all())


def test_a_site_group_gives_its_members_the_site_and_their_vectors_carry_it(engine) -> None:
    groups, sites, table = setup(engine)
    made = groups.create(DirectoryGroup("", "tokyo", members=("A", "not-yet")), actor=OKTA)
    assert sites.allowed_sites("A") == [2] and sites.allowed_sites("B") is None
    assert vector_sites(engine, table) == {"A": [2], "B": [0]}
    with engine.connect() as db:
        logged = db.execute(
            text("SELECT subject_id, actor_id FROM audit_log WHERE action = :a"),
            {"a": EMPLOYEE_SITES_CHANGED},
        ).all()
        department = db.execute(text("SELECT department FROM employee WHERE id = 'A'")).scalar()
    assert [tuple(r) for r in logged] == [("A", "okta")] and department is None
    groups.replace(made.group_id, DirectoryGroup("", "Tokyo", members=("B",)), actor=OKTA)
    assert (sites.allowed_sites("A"), sites.allowed_sites("B")) == (None, [2])
    assert vector_sites(engine, table) == {"A": [0], "B": [2]}
    groups.delete(made.group_id, actor=OKTA)
    assert vector_sites(engine, table) == {"A": [0], "B": [0]}


def test_a_group_change_waits_for_the_one_holding_the_lock_and_reads_its_commit(
    engine,
) -> None:
    groups, sites, table = setup(engine)
    default = groups.create(DirectoryGroup("", "Main office", members=()))
    tokyo = groups.create(DirectoryGroup("", "Tokyo", members=()))
    outcome: list[BaseException | None] = []

    def add_a_to_tokyo() -> None:
        try:
            groups.replace(tokyo.group_id, DirectoryGroup("", "Tokyo", members=("A",)))
            outcome.append(None)
        except BaseException as error:  # read by the test below
            outcome.append(error)

    store = PgGroups(engine)
    with store.writing() as tx:  # another replica's change, begun first
        changed = DirectoryGroup(default.group_id, "Main office", members=("A",))
        tx.save_group(changed, department=False)
        rival = threading.Thread(target=add_a_to_tokyo)
        rival.start()
        deadline = clock.monotonic() + 30
        while not waiting_on_advisory_lock(engine):
            assert clock.monotonic() < deadline, "the second change never waited"
            clock.sleep(0.05)
        assert not outcome  # blocked while the first holds the lock
    rival.join(30)
    assert outcome == [None]
    # The second recompute saw the first's committed membership: the union of both groups.
    assert sites.allowed_sites("A") == [1, 2]
    assert vector_sites(engine, table)["A"] == [1, 2]


def waiting_on_advisory_lock(engine) -> bool:
    with engine.connect() as db:
        return bool(
            db.execute(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            ).scalar()
        )


def test_a_patch_applies_to_the_group_as_the_change_before_it_left_it(engine) -> None:
    groups, sites, _ = setup(engine)
    tokyo = groups.create(DirectoryGroup("", "Tokyo", members=()))
    outcome: list[BaseException | DirectoryGroup] = []

    def add(group: DirectoryGroup) -> DirectoryGroup:
        return DirectoryGroup(group.group_id, group.display_name, members=(*group.members, "A"))

    def patch_in_a() -> None:
        try:
            outcome.append(groups.change(tokyo.group_id, add))
        except BaseException as error:  # read by the test below
            outcome.append(error)

    with PgGroups(engine).writing() as tx:  # another replica's PATCH, begun first
        tx.save_group(DirectoryGroup(tokyo.group_id, "Tokyo", members=("B",)), department=False)
        rival = threading.Thread(target=patch_in_a)
        rival.start()
        deadline = clock.monotonic() + 30
        while not waiting_on_advisory_lock(engine):
            assert clock.monotonic() < deadline, "the second PATCH never waited"
            clock.sleep(0.05)
    rival.join(30)
    assert [getattr(o, "members", o) for o in outcome] == [("B", "A")]  # neither lost
    assert (sites.allowed_sites("A"), sites.allowed_sites("B")) == ([2], [2])
