"""The fakes implement exactly the ports their consumers declare: type-checked (mypy runs
on the tests) and counted here, so that a fake cannot grow methods no port names."""

from backend.domain import ports
from tests.unit.fake_gallery import FakeGalleryRow, FakeGenerations
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


def test_the_face_fake_serves_enrollment_check_in_administration_and_stats() -> None:
    faces = FakeFaceRepository()
    enrollment: ports.EnrollmentFaces = faces
    checkin: ports.CheckinFaces = faces
    admin: ports.AdministeredFaces = faces
    stats: ports.GalleryStats = faces
    assert all(p is faces for p in (enrollment, checkin, admin, stats))
    assert public(faces) == members(
        ports.EnrollmentFaces, ports.CheckinFaces, ports.AdministeredFaces, ports.GalleryStats
    )


def test_the_gallery_fakes_serve_the_row_and_re_embedding() -> None:
    faces = FakeFaceRepository()
    row: ports.GalleryRow = FakeGalleryRow(faces)
    generations: ports.ReembeddedGallery = FakeGenerations(faces, FakeGalleryRow(faces))
    assert public(row) == members(ports.GalleryRow)
    assert public(generations) == members(ports.ReembeddedGallery)
