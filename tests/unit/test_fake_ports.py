"""The fakes implement exactly the ports their consumers declare: type-checked (mypy runs
on the tests) and counted here, so that a fake cannot grow methods no port names, and
cannot miss one either."""

import inspect

from backend.domain import ports
from backend.domain.unit_of_work import (
    CheckinWrites,
    ConsentWrites,
    CredentialWrites,
    FaceWrites,
    UnitOfWork,
)
from tests.unit.fake_credentials import FakeCredentials, FakeCredentialWrites
from tests.unit.fake_directory import FakeDirectory, FakeGroups
from tests.unit.fake_gallery import FakeGalleryRow, FakeGenerations
from tests.unit.fake_records import FakeCheckinLog
from tests.unit.fake_uow import FakeCheckinWrites, FakeConsentWrites, FakeFaceWrites, FakeUnitOfWork
from tests.unit.fakes import FakeFaceRepository


def members(*protocols: type) -> set[str]:
    return {
        name
        for protocol in protocols
        for name in vars(protocol)
        if not name.startswith("_") and callable(getattr(protocol, name))
    }


def public(fake: object) -> set[str]:
    return {n for n in vars(type(fake)) if not n.startswith("_") and callable(getattr(fake, n))}


def same_parameters(fake: object, *protocols: type) -> list[str]:
    """The methods whose parameters differ from the port's (names and kinds)."""
    differ = []
    for protocol in protocols:
        for name in members(protocol):
            wanted = inspect.signature(getattr(protocol, name)).parameters
            given = inspect.signature(getattr(type(fake), name)).parameters
            shape = [(p.name, p.kind) for p in wanted.values()]
            if shape != [(p.name, p.kind) for p in given.values()]:
                differ.append(name)
    return differ


def test_the_face_fake_serves_enrollment_check_in_administration_and_stats() -> None:
    faces = FakeFaceRepository()
    served = (ports.EnrollmentFaces, ports.CheckinFaces, ports.AdministeredFaces)
    assert members(*served, ports.GalleryStats) == {
        "face_with_photo",
        "biometrics_of",
        "nearest",
        "get_employee",
        "update_employee",
        "employee_summaries",
        "faces_of",
        "count_faces",
        "count_faces_at",
        "count_employees",
    }
    assert public(faces) == members(*served, ports.GalleryStats)
    assert same_parameters(faces, *served, ports.GalleryStats) == []


def test_the_gallery_fakes_serve_the_row_and_re_embedding() -> None:
    faces = FakeFaceRepository()
    row = FakeGalleryRow(faces)
    generations = FakeGenerations(faces, FakeGalleryRow(faces))
    assert public(row) == members(ports.GalleryRow) != set()
    assert public(generations) == members(ports.ReembeddedGallery) != set()
    assert same_parameters(row, ports.GalleryRow) == []
    assert same_parameters(generations, ports.ReembeddedGallery) == []


def test_the_directory_fake_serves_the_store_and_the_departures() -> None:
    fake = FakeDirectory()
    assert public(fake) == members(ports.DirectoryStore, ports.Departures) != set()
    assert same_parameters(fake, ports.DirectoryStore, ports.Departures) == []


def test_the_unit_of_work_fake_writes_through_the_ports_and_adds_only_its_steps() -> None:
    faces, log = FakeFaceRepository(), FakeCheckinLog()
    credentials = FakeCredentialWrites(FakeCredentials(faces))
    assert public(FakeFaceWrites(faces, log)) == members(FaceWrites) != set()
    assert public(FakeCheckinWrites(log)) == members(CheckinWrites) != set()
    assert public(credentials) == members(CredentialWrites) != set()
    assert public(FakeConsentWrites(faces)) == members(ConsentWrites) != set()
    assert same_parameters(FakeFaceWrites(faces, log), FaceWrites) == []
    assert same_parameters(FakeCheckinWrites(log), CheckinWrites) == []
    assert same_parameters(credentials, CredentialWrites) == []
    assert same_parameters(FakeConsentWrites(faces), ConsentWrites) == []
    unit = FakeUnitOfWork(faces, log, [])
    # The fake overrides the port's locks and its underscored steps, never commit or emit
    # (those are the domain's: events published at commit, and only then).
    overridden = {n for n in vars(FakeUnitOfWork) if callable(vars(UnitOfWork).get(n))}
    assert overridden == {
        "__init__",
        "lock_enrollment",
        "lock_checkins_of",
        "_begin",
        "_publish",
        "_append_audit",
        "_commit",
        "_rollback",
        "_end",
    }
    assert isinstance(unit, UnitOfWork)


def test_the_credential_fake_serves_hr_and_the_secret() -> None:
    store = FakeCredentials(FakeFaceRepository())
    assert public(store) == members(ports.CredentialAdmin, ports.CredentialSecret) != set()
    assert same_parameters(store, ports.CredentialAdmin, ports.CredentialSecret) == []


def test_the_groups_fake_serves_the_store_and_its_writes() -> None:
    fake = FakeGroups(FakeDirectory())
    assert public(fake) == members(ports.GroupStore, ports.GroupWrites) != set()
    assert same_parameters(fake, ports.GroupStore, ports.GroupWrites) == []
