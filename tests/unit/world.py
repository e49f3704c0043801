"""The backend's services built by bootstrap on in-memory fakes, as create_app(services=...)
takes them: the unit tests wire nothing by hand."""

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from backend.bootstrap.adapters import Adapters
from backend.bootstrap.services import build_services, match_policy
from backend.config import BackendSettings
from backend.domain.app import Services
from backend.domain.evidence import Beside, at_once
from backend.domain.matching import MatchPolicy
from backend.domain.model import Role
from backend.domain.unit_of_work import Event
from backend.main import create_app
from tests.unit.fake_access import FakeApiKeyStore, FakeIdempotencyStore, FakeWebhookStore
from tests.unit.fake_audit import FakeAuditLog
from tests.unit.fake_background import (
    FakeOutbox,
    FakePhotos,
    FakeReceiver,
    FakeSweptGallery,
    FakeSweptSnapshots,
)
from tests.unit.fake_credentials import FakeCredentials
from tests.unit.fake_directory import FakeDirectory, FakeGroups
from tests.unit.fake_gallery import FakeGalleryRow
from tests.unit.fake_privacy import FakeConsentRecords, FakeRetentionRecords
from tests.unit.fake_records import FakeChallengeLedger, FakeCheckinLog, FakeHeldSnapshots
from tests.unit.fake_sign_in import FakeSessionStore
from tests.unit.fake_sites import FakePunchLog, FakeSiteStore
from tests.unit.fake_uow import FakeUnitOfWork
from tests.unit.fakes import DLIB, FakeEmbedder, FakeFaceRepository, FakeImageStore


@dataclass
class FakeWorld:
    embedder: FakeEmbedder = field(default_factory=FakeEmbedder)
    faces: FakeFaceRepository = field(default_factory=FakeFaceRepository)
    images: FakeImageStore = field(default_factory=FakeImageStore)
    key_store: FakeApiKeyStore = field(default_factory=FakeApiKeyStore)
    webhook_store: FakeWebhookStore = field(default_factory=FakeWebhookStore)
    idempotency: FakeIdempotencyStore = field(default_factory=FakeIdempotencyStore)
    ledger: FakeChallengeLedger = field(default_factory=FakeChallengeLedger)
    audit: FakeAuditLog = field(default_factory=FakeAuditLog)
    clock: float = 1_800_000_000.0  # what the challenges take for time.time()
    direction: str = "left"  # what the challenges pick

    def __post_init__(self) -> None:
        self.checkins = FakeCheckinLog(self.faces.employees)
        self.credentials = FakeCredentials(self.faces)
        self.directory = FakeDirectory(employees=self.faces.employees)
        self.sessions = FakeSessionStore()
        self.gallery_row = FakeGalleryRow(self.faces)
        self.consents = FakeConsentRecords(self.faces, self.checkins)
        self.retention = FakeRetentionRecords(self.faces, self.checkins)
        self.site_store = FakeSiteStore(self.faces)
        self.groups = FakeGroups(self.directory, self.site_store, self.audit)
        self.key_store.sites = self.site_store.sites  # a key's site is one of these
        self.published: list[Event] = []  # the outbox: events of committed units of work
        self.units: list[FakeUnitOfWork] = []  # every unit of work begun, in order
        # where a snapshot moves to the store after the answer (a thread pool: real)
        self.beside: Beside = at_once

    def unit_of_work(self) -> FakeUnitOfWork:
        unit = FakeUnitOfWork(
            self.faces, self.checkins, self.published, self.audit, self.credentials
        )
        self.units.append(unit)
        return unit

    def adapters(self) -> Adapters:
        return Adapters(
            model=DLIB,
            embedder=self.embedder,
            faces=self.faces,
            units=self.unit_of_work,
            employees=self.faces,
            gallery=self.gallery_row,
            images=self.images,
            checkins=self.checkins,
            keys=self.key_store,
            webhooks=self.webhook_store,
            outbox=FakeOutbox(),
            webhook_sender=FakeReceiver(),
            idempotency=self.idempotency,
            challenges=self.ledger,
            swept_gallery=FakeSweptGallery(),
            swept_snapshots=FakeSweptSnapshots(),
            held_snapshots=FakeHeldSnapshots(self.checkins, self.images),
            swept_photos=FakePhotos(),
            consents=self.consents,
            retention=self.retention,
            audit=self.audit,
            credentials=self.credentials,
            sites=self.site_store,
            punches=FakePunchLog(self.checkins, self.site_store),
            directory=self.directory,
            groups=self.groups,
            sessions=self.sessions,
            # Dlib without its calibration: DeepFace's 1:1 threshold, unless settings fix one.
            calibration=lambda model: None,
            probes={"embedder": lambda: None},
            clock=lambda: self.clock,
            choose=lambda options: self.direction,
            beside=self.beside,
        )

    def settings(self, **given: Any) -> BackendSettings:
        """The backend's defaults, but for what a test gives (the setting names); consent is
        not asked unless a test turns it on (tests/unit/test_consent.py)."""
        return BackendSettings(**{"max_upload_bytes": 10_000, "consent_required": False, **given})

    def services(self, **settings: Any) -> Services:
        built = build_services(self.settings(**settings), self.adapters())
        self.keys = built.keys
        self.liveness = built.liveness
        return built

    @contextlib.contextmanager
    def api(self, static_dir: Path, **settings: Any) -> Iterator[tuple[TestClient, str]]:
        """The HTTP app on these fakes, its client signed in as HR ("hr"), and a kiosk key
        ("door") for check-ins."""
        app = create_app(BackendSettings(static_dir=static_dir), services=self.services(**settings))
        admin = self.keys.create("hr", Role.ADMIN)[1]
        kiosk = self.keys.create("door", Role.KIOSK)[1]
        with TestClient(app) as client:
            client.headers["X-API-Key"] = admin
            yield client, kiosk

    def policy(self, **settings: Any) -> MatchPolicy:
        return match_policy(self.settings(**settings), self.adapters())
