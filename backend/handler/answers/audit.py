"""The audit log's answers: entries, a page of them, and the chain's verdict."""

from pydantic import BaseModel, Field, JsonValue

from backend.handler.answers.base import WHEN, Page, Timestamp, examples


class AuditActor(BaseModel):
    kind: str = Field(description="api_key today; a person once single sign-on adds one")
    id: str
    name: str


class AuditEntry(BaseModel):
    model_config = examples(
        {
            "seq": 42,
            "at": WHEN,
            "actor": {"kind": "api_key", "id": "hr-laptop", "name": "hr-laptop"},
            "action": "photo.viewed",
            "subject_kind": "employee",
            "subject_id": "E042",
            "details": {"face_id": "7d2f1c7e1b7a4a5e9c353c0c1f4f2a10"},
            "hash": "5f0c...e1",
        }
    )

    seq: int = Field(description="the entry's place in the chain, from 1, without gaps")
    at: Timestamp
    actor: AuditActor
    action: str = Field(description="e.g. key.created, face.added, photo.viewed")
    subject_kind: str = Field(description="employee, api_key, webhook, checkin, gallery ...")
    subject_id: str
    details: dict[str, JsonValue]
    hash: str = Field(description="sha256 over the previous entry's hash and this content")


class AuditPage(Page):
    items: list[AuditEntry] = Field(description="newest first")


class AuditVerdict(BaseModel):
    model_config = examples({"intact": False, "entries": 120, "problems": ["row 3: ..."]})

    intact: bool = Field(description="no entry edited or removed since it was written")
    entries: int = Field(description="how many entries were checked")
    problems: list[str] = Field(description="one line per edited or removed row, naming it")
