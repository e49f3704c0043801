"""The way in without a face on the real PostgreSQL through PgUnitOfWork: lockouts that
hold when replicas guess at once, the switch to "no biometrics" that leaves no face,
vector or snapshot link (and refuses later faces), QR tokens, and the method each
check-in keeps, in the attendance log and in the webhook outbox."""

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import text

from backend.domain.biometrics import BiometricsAdmin
from backend.domain.credentials import PinHasher, PinRules
from backend.domain.errors import BiometricsDeclined, PinIncorrect, PinLocked
from backend.domain.model import Biometrics, CheckinFilter, CheckinMethod, Employee
from backend.domain.without_face import CredentialCheckIn
from backend.infrastructure.pg_audit import PgAuditLog
from backend.infrastructure.pg_checkins import PgCheckinLog
from backend.infrastructure.pg_credentials import PgCredentials
from backend.infrastructure.pg_gallery import vector_table
from backend.infrastructure.pg_outbox import PgWebhooks
from tests.integration.conftest import bound_repository
from tests.integration.test_pg_repository import unit
from tests.integration.use_cases import check_in, enroll, units
from tests.unit.fakes import FakeImageStore

FAST = PinHasher(n=2**10)  # the cost is not what is tested here
NONE = Biometrics.NONE


def replica(engine) -> CredentialCheckIn:
    """What one backend builds: its own adapters on the shared database."""
    return CredentialCheckIn(uow=units(engine), secret=PgCredentials(engine), hasher=FAST)


def hr(engine, images=None) -> BiometricsAdmin:
    return BiometricsAdmin(
        uow=units(engine),
        store=PgCredentials(engine),
        images=images or FakeImageStore(),
        audit=PgAuditLog(engine),
        hasher=FAST,
    )


def person_with_pin(engine, employee_id="N1", pin="402817") -> PgCredentials:
    credentials = PgCredentials(engine)
    assert credentials.create_employee(Employee(employee_id, "Nora", biometrics=NONE))
    assert credentials.set_pin(employee_id, FAST.hash(pin), "hr")
    return credentials


def attempt(checkin: CredentialCheckIn, pin: str, kiosk: str = "door") -> str:
    try:
        return checkin.with_pin("N1", pin, kiosk).method.value
    except (PinIncorrect, PinLocked) as error:
        return error.code


def test_wrong_pins_sent_at_once_by_two_replicas_are_each_counted(engine):
    credentials = person_with_pin(engine)
    replicas = [replica(engine), replica(engine)]
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda i: attempt(replicas[i % 2], "000001", f"k{i}"), range(12)))
    # Five wrong PINs are heard, every later one meets the lock (never more than five).
    assert answers.count("pin_incorrect") == PinRules().person.max_failures
    assert answers.count("pin_locked") == 12 - 5
    assert attempt(replicas[0], "402817", "k99") == "pin_locked"  # the right PIN too
    _, lockout = credentials.pin_of("N1")
    assert lockout.failures == 5 and lockout.locked_until is not None
    credentials.unlock("person:N1")
    assert attempt(replicas[1], "402817", "k99") == "pin"


def test_a_checkin_keeps_its_method_and_repeats_fold_across_methods(engine):
    credentials = person_with_pin(engine)
    PgWebhooks(engine).create("http://127.0.0.1:9/hook", ("checkin.matched",), "s")
    first = replica(engine).with_pin("N1", "402817", "door")
    assert first.repeat is False and first.checkin.method is CheckinMethod.PIN
    token = credentials.add_qr("N1", "t1", "hr")
    assert token is not None
    again = replica(engine).with_qr(hr(engine).qr_text(token), "door")
    assert again.repeat is True and again.checkin.checkin_id == first.checkin.checkin_id
    rows = list(PgCheckinLog(engine).stream(CheckinFilter()))
    assert [(r.checkin.method, r.checkin.distance) for r in rows] == [(CheckinMethod.PIN, None)]
    with engine.begin() as db:
        sent = db.execute(text("SELECT payload FROM webhook_delivery")).scalar_one()
    assert sent["data"]["method"] == "pin" and sent["data"]["distance"] is None


def test_no_biometrics_leaves_no_face_vector_or_snapshot_link_and_refuses_faces(engine):
    repo = bound_repository(engine)
    assert enroll(repo, "E1", "f1", unit(1, 0, 0, 0)) is None
    assert check_in(repo, unit(1, 0, 0, 0)).matched
    with engine.begin() as db:
        db.execute(text("UPDATE checkin SET snapshot_key = 'checkins/employees/E1/s.jpg'"))
    images = FakeImageStore()
    images.put("employees/E1/f1.jpg", b"photo", "image/jpeg")
    images.put("checkins/employees/E1/s.jpg", b"crop", "image/jpeg")
    chosen = hr(engine, images).choose("E1", "none")
    assert chosen.biometrics is NONE and images.objects == {}
    table = vector_table(repo.gallery.generation)
    with engine.begin() as db:
        assert db.execute(text("SELECT count(*) FROM face")).scalar() == 0
        assert db.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0
        kept = db.execute(text("SELECT snapshot_key, face_id, matched FROM checkin")).one()
    assert tuple(kept) == (None, None, True)  # attendance stays, its biometric link goes
    assert isinstance(enroll(repo, "E1", "f2", unit(1, 0, 0, 0)), BiometricsDeclined)
    with engine.begin() as db:
        assert db.execute(text("SELECT count(*) FROM face")).scalar() == 0


def test_qr_tokens_are_only_for_people_without_biometrics_and_revoke_at_once(engine):
    credentials = PgCredentials(engine)
    credentials.create_employee(Employee("F1", "Fay"))
    assert credentials.add_qr("F1", "t0", "hr") is None
    assert not credentials.set_pin("F1", FAST.hash("402817"), "hr")
    credentials.create_employee(Employee("N1", "Nora", biometrics=NONE))
    token = credentials.add_qr("N1", "t1", "hr")
    code = hr(engine).qr_text(token) if token else ""
    assert replica(engine).with_qr(code, "door").employee.employee_id == "N1"
    assert credentials.revoke_qr("N1", "t1", "hr") and not credentials.revoke_qr("N1", "t1", "hr")
    assert attempt_qr(engine, code) == "qr_revoked"
    token = credentials.add_qr("N1", "t2", "hr")
    credentials.set_pin("N1", FAST.hash("402817"), "hr")
    hr(engine).choose("N1", "face")
    assert token is not None and attempt_qr(engine, hr(engine).qr_text(token)) == "qr_revoked"
    assert credentials.pin_of("N1")[0] is None
    assert len(credentials.signing_secret()) == 32


def attempt_qr(engine, code: str) -> str:
    try:
        return replica(engine).with_qr(code, "door").method.value
    except Exception as error:  # noqa: BLE001 (the code is what is compared)
        return getattr(error, "code", repr(error))
