"""Backend settings, from the environment (pydantic-settings)."""

from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from backend.domain.credentials import LockoutRule, PinRules
from backend.domain.model import Metric
from backend.domain.policy import QualityFloor
from backend.domain.privacy import PrivacySettings, RetentionSchedule
from backend.domain.readiness import DEFAULT_GRACE_SECONDS
from backend.domain.thresholds import DEFAULT_THRESHOLDS, ThresholdSettings
from facegate_shared.paths import REPO_ROOT

DEFAULT_QUALITY_FLOOR = QualityFloor()


class BackendSettings(BaseSettings):
    """Everything the backend can be told; create_app() takes an instance."""

    model_config = SettingsConfigDict(extra="ignore")

    # postgresql://user:pass@host:5432/db, with pgvector. Empty: `make run` and the
    # `facegate` commands use the local stack's (var/stack.json).
    database_url: str = ""
    # The S3-compatible store of photos and snapshots (MinIO in production); `make run`
    # starts its own and sets this and the keys.
    s3_endpoint: str = "http://127.0.0.1:8333"
    # The store's access key.
    s3_access_key: str = ""
    # The store's secret key.
    s3_secret_key: str = ""
    # Created when missing; photos at employees/<id>/<face_id>.<ext>.
    s3_bucket: str = "facegate"
    # The embedder service; several comma-separated URLs spread requests over them in turn,
    # skipping one that refuses connections (docs/cluster-and-kubernetes.md).
    embedder_url: str = "http://127.0.0.1:8501"
    # How long the backend waits at start for the embedder to report its model.
    embedder_start_timeout: float = Field(default=120.0, ge=0)
    # How long one call to the embedder may take, in seconds.
    embedder_timeout: float = Field(default=30.0, gt=0)
    # Vectors are stored L2-normalised, so all three rank alike; the metric picks the
    # index's operator class.
    match_metric: Metric = Metric.COSINE
    # The share of strangers at the door the gallery may accept as someone: the match
    # threshold follows from it, the model's LFW calibration and the number of enrolled
    # faces (backend/domain/calibration.py). 0.005: at most 1 stranger in 200.
    match_stranger_accept_rate: float = Field(
        default=DEFAULT_THRESHOLDS.stranger_accept_target, gt=0, lt=1
    )
    # Fixed thresholds instead (on the metric's scale): MATCH_THRESHOLD for check-in,
    # DUPLICATE_THRESHOLD below which enrollment refuses a look-alike outright.
    match_threshold: float | None = Field(default=None, gt=0)
    # Unset: from the calibration (1e-6 false accepts per comparison). Between it and the
    # match threshold, HR is asked to confirm (possible_duplicate).
    duplicate_threshold: float | None = Field(default=None, gt=0)
    # How much nearer the matched employee must be than the next one, as a share of the
    # match threshold (in cosine distance); else the check-in is "ambiguous".
    match_margin: float = Field(default=DEFAULT_THRESHOLDS.ambiguity_margin, ge=0, lt=1)
    # The threshold floor: the calibrated match threshold (and the top of the
    # possible_duplicate band) is never looser than for a gallery of this many faces,
    # however few are enrolled (docs/small-galleries.md); 1 turns the floor off.
    match_min_gallery: int = Field(default=DEFAULT_THRESHOLDS.min_gallery, ge=1, le=1_000_000)

    # pgvector's HNSW search breadth (index built with m 16, ef_construction 128), for
    # sites of more than 2,000 faces (smaller ones are read exactly). On face-like vectors
    # (bench/README.md, gallery_faces) 100 found a check-in's exact nearest face 99.4 % of
    # the time at 10k faces, 96.6 % at 20k and 80 % at 100k; 400 finds 100 % at 20k
    # (p95 3.1 ms) and 94 % at 100k (6.6 ms). Uniform random vectors had hidden this.
    hnsw_ef_search: int = Field(default=400, ge=1, le=1000)
    # Larger uploads get 413 image_too_large, refused while the body streams.
    max_upload_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    # Any body that is not a multipart upload (JSON): far more than a PATCH needs.
    max_json_bytes: int = Field(default=64 * 1024, gt=0)
    # The enrollment photo's quality floor (backend/domain/policy.py says why each): the
    # face box's shorter side, in pixels of the photo.
    min_face_size: int = Field(default=DEFAULT_QUALITY_FLOOR.min_face_size, ge=0)
    # Variance of the face's Laplacian: below it, blurred.
    min_sharpness: float = Field(default=DEFAULT_QUALITY_FLOOR.min_sharpness, ge=0)
    # The face's mean grey level: below it, too dark.
    min_brightness: float = Field(default=DEFAULT_QUALITY_FLOOR.min_brightness, ge=0, le=255)
    # The face's mean grey level: above it, washed out.
    max_brightness: float = Field(default=DEFAULT_QUALITY_FLOOR.max_brightness, ge=0, le=255)
    # Empty: all interfaces when serving HTTPS (kiosks on the office network), else loopback.
    backend_host: str = ""
    # The backend's port (also the cluster balancer's front port).
    backend_port: int = 8502
    # The office's time zone: attendance days and exported times are in it.
    timezone: str = "UTC"
    # Check-in requests a minute per API key; a kiosk sends about one per 3 s at most.
    search_rate_per_minute: int = Field(default=600, ge=1)
    # A matched check-in of someone already checked in this many seconds ago writes no row.
    checkin_repeat_seconds: float = Field(default=60.0, ge=0)
    # Hours worked: a working day whose last "in" has no "out" counts nothing for that
    # stretch (empty), or is closed at this local time ("18:00"); flagged open either way.
    hours_open_day_close_at: str = Field(default="", pattern=r"^$|^([01][0-9]|2[0-3]):[0-5][0-9]$")
    # Check-in evidence: the kiosk's face crop is kept with each matched check-in for this
    # many days (fractions allowed; 0 keeps none). Faces that matched no one are kept
    # only with CHECKIN_SNAPSHOT_UNKNOWN=true.
    checkin_snapshot_days: float = Field(default=30.0, ge=0)
    # Also keep the face of an attempt that matched no one (as a matched=false row).
    checkin_snapshot_unknown: bool = False
    # PIN check-ins (docs/no-biometrics.md): this many wrong PINs in a row lock a person for
    # PIN_LOCKOUT_MINUTES; each further wrong one locks again until a right PIN or HR's unlock.
    pin_max_failures: int = Field(default=5, ge=1, le=100)
    # This many wrong PINs of anyone at one kiosk within PIN_LOCKOUT_MINUTES lock PIN entry
    # there for PIN_LOCKOUT_MINUTES (a right PIN does not reset it).
    pin_kiosk_max_failures: int = Field(default=10, ge=1, le=1000)
    # How long a person's or a kiosk's PIN lockout lasts (HR may end it sooner on /admin).
    pin_lockout_minutes: float = Field(default=15.0, gt=0)
    # How long a kiosk has from a head-turn challenge's prompt to its answer.
    liveness_challenge_seconds: float = Field(default=20.0, gt=0, le=300)
    # Webhook deliveries: retries wait base, 2 base, 4 base ... up to max, for give_up hours.
    webhook_backoff_base_seconds: float = Field(default=5.0, gt=0)
    # The longest wait between two tries of one delivery.
    webhook_backoff_max_seconds: float = Field(default=3600.0, gt=0)
    # An event not taken by then is marked failed and the next one goes.
    webhook_give_up_hours: float = Field(default=48.0, ge=24)
    # How long a receiver may take to answer.
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    # How often each backend looks for due events.
    webhook_poll_seconds: float = Field(default=1.0, gt=0)
    # Receivers served at once per backend.
    webhook_workers: int = Field(default=4, ge=1, le=32)
    # No face is stored for a person without a current consent (docs/privacy.md); false
    # only where the operator is lawfully exempt (/admin and /privacy then say so).
    consent_required: bool = True
    # Biometric data (faces, vectors, photos, snapshots) of a person who left is destroyed
    # this many days after the day they left (0: that day).
    retention_after_leaving_days: int = Field(default=0, ge=0)
    # Biometric data of anyone with no check-in, enrollment or new face for this many days
    # is destroyed (3 years: BIPA's limit after the last interaction).
    retention_inactive_days: int = Field(default=1095, ge=1)
    # Check-in records (attendance) are deleted after this many days; 0 keeps them until
    # the person is erased. They keep no link to a face once its data is destroyed.
    retention_attendance_days: int = Field(default=2190, ge=0)
    # How often the retention job runs (one replica at a time).
    retention_interval_seconds: float = Field(default=3600.0, gt=0)
    # Whom people ask for a copy of their data (shown on /privacy), e.g. an e-mail address.
    privacy_contact: str = ""
    # HTTPS when both this PEM certificate (full chain first) and TLS_KEY exist; `facegate
    # certs` writes a local CA's (docs/pages.md).
    tls_cert: Path = REPO_ROOT / "certs" / "facegate.crt"
    # The certificate's private key (PEM).
    tls_key: Path = REPO_ROOT / "certs" / "facegate.key"
    # The pages and their vendored scripts.
    static_dir: Path = REPO_ROOT / "static"
    # Single sign-on for /admin and /enroll (docs/directory.md): the OpenID Connect provider's
    # issuer URL, whose /.well-known/openid-configuration is read. Empty: no SSO.
    oidc_issuer: str = ""
    # The client (application) id facegate is registered under at the provider.
    oidc_client_id: str = ""
    # The client's secret (empty for a public client: PKCE alone).
    oidc_client_secret: str = ""
    # The ID token (or userinfo) claim that lists the person's groups.
    oidc_groups_claim: str = "groups"
    # Comma-separated groups whose members sign in as HR admins (/admin and /enroll).
    oidc_admin_groups: str = "facegate-admin"
    # Comma-separated groups whose members may enroll faces (/enroll) and nothing else.
    oidc_enroll_groups: str = "facegate-enroll"
    # A signed-in session ends after this many seconds without a request.
    session_idle_seconds: int = Field(default=900, ge=5, le=86400)
    # The session cookie is Secure (sent over HTTPS only); false only for plain-HTTP tests.
    session_cookie_secure: bool = True
    # The pages offer to sign in with an admin API key; false once SSO is set up, so HR
    # signs in with the company account only (API keys stay for kiosks and integrations).
    admin_keys_on_pages: bool = True

    @property
    def tls_enabled(self) -> bool:
        return self.tls_cert.is_file() and self.tls_key.is_file()

    @property
    def listen_host(self) -> str:
        if self.backend_host:
            return self.backend_host
        return "0.0.0.0" if self.tls_enabled else "127.0.0.1"

    # /readyz stays ready this long after a shared dependency (database, object store,
    # embedder) last answered, so a blip does not take every replica out of rotation at once.
    ready_grace_seconds: float = Field(default=DEFAULT_GRACE_SECONDS, ge=0)
    # Connections per process (and as many again in overflow).
    db_pool_size: int = Field(default=10, ge=1, le=100)
    # "transaction" behind PgBouncer (or CloudNativePG's Pooler) in transaction mode: no
    # server-side prepared statements. Empty: a plain server or a session-mode pooler.
    database_pooler: Literal["", "transaction"] = ""
    # The sweep of photos without a face row (left by a crash between the two writes of an
    # enrollment): how often it runs, and how old a photo must be to count as left behind.
    sweep_interval_seconds: float = Field(default=300.0, gt=0)
    # Longer than any enrollment takes between its photo and its row.
    sweep_grace_seconds: float = Field(default=900.0, ge=0)
    # The audit log keeps entries this many days (0: for ever); pruning leaves an anchor so
    # the chain still verifies.
    audit_retention_days: int = Field(default=2190, ge=0)
    # Photos and check-in snapshots are sealed (AES-256-GCM) before they reach the object
    # store; keys as "id:base64 of 32 random bytes", comma separated (`facegate keys
    # new-storage-key ID` makes one). No key: photos are stored as they are. docs/privacy.md.
    storage_keys: str = ""
    # A file of such keys, one a line (make run makes var/storage.keys); added to STORAGE_KEYS.
    storage_keys_file: Path | None = None
    # The key that seals (default: the first listed); every listed key opens.
    storage_key_id: str = ""

    def pin_rules(self) -> PinRules:
        """The lockouts of wrong PINs as these settings give them."""
        lock = timedelta(minutes=self.pin_lockout_minutes)
        return PinRules(
            person=LockoutRule(self.pin_max_failures, lock),
            kiosk=LockoutRule(self.pin_kiosk_max_failures, lock, window=lock),
        )

    def privacy(self) -> PrivacySettings:
        """Consent, the retention schedule and the contact, as the domain reads them."""
        return PrivacySettings(
            consent_required=self.consent_required,
            schedule=RetentionSchedule(
                after_leaving_days=self.retention_after_leaving_days,
                inactive_days=self.retention_inactive_days,
                attendance_days=self.retention_attendance_days,
            ),
            contact=self.privacy_contact,
        )

    def threshold_defaults(self) -> ThresholdSettings:
        """The threshold settings in force where the gallery's row sets none."""
        return ThresholdSettings(
            stranger_accept_target=self.match_stranger_accept_rate,
            match_override=self.match_threshold,
            duplicate_override=self.duplicate_threshold,
            ambiguity_margin=self.match_margin,
            min_gallery=self.match_min_gallery,
        )
