"""`facegate enroll-dir DIR`: DIR/<employee_id>/*.jpg through the same enrollment service
as the API, going on past bad photos and ending with a summary table."""

import argparse
import csv
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from backend.bootstrap.commands import running
from backend.cli.common import CommandFailed, settings_or_fail
from backend.domain.audit import COMMAND_LINE
from backend.domain.errors import (
    DatabaseUnavailable,
    DomainError,
    EmbedderUnavailable,
    StorageUnavailable,
)
from backend.domain.privacy import ConsentStatement, Decision, Method

PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}
# Outcome label per error code; the order is the summary table's.
OUTCOMES = {
    "enrolled": "enrolled",
    "photo_already_enrolled": "already enrolled (skipped)",
    "no_face_detected": "no face",
    "multiple_faces": "multiple faces",
    "low_quality": "low quality",
    "face_already_enrolled": "duplicate of another employee",
    "possible_duplicate": "look-alike of another employee (enroll on /enroll to decide)",
    "invalid_image": "unreadable",
    "image_too_large": "unreadable",
    "validation_error": "invalid id or name",
    "consent_required": "no consent (give consent_reference in people.csv)",
}
STOPPERS = (EmbedderUnavailable, DatabaseUnavailable, StorageUnavailable)


def photos_of(folder: Path) -> list[tuple[str, Path]]:
    """(employee_id, photo) for every photo in DIR/<employee_id>/, sorted."""
    return sorted(
        (person.name, photo)
        for person in folder.iterdir()
        if person.is_dir()
        for photo in person.iterdir()
        if photo.suffix.lower() in PHOTO_SUFFIXES
    )


def people_of(folder: Path) -> dict[str, dict[str, str]]:
    """employee_id -> the row of DIR/people.csv (employee_name, optional
    consent_reference: the signed paper form HR keeps), when the file exists."""
    people = folder / "people.csv"
    if not people.exists():
        return {}
    with open(people, encoding="utf-8-sig", newline="") as file:
        return {
            row["employee_id"].strip(): {k: (v or "").strip() for k, v in row.items() if k}
            for row in csv.DictReader(file)
            if row.get("employee_id")
        }


def paper_consent(row: dict[str, str], version: int) -> ConsentStatement | None:
    """The consent a signed paper form records, when people.csv names its reference."""
    reference = row.get("consent_reference")
    if not reference:
        return None
    return ConsentStatement(Decision.GIVEN, Method.PAPER, version, reference=reference)


def enroll_dir(args: argparse.Namespace) -> int:
    folder: Path = args.folder
    if not folder.is_dir():
        raise CommandFailed(f"{folder} is not a folder")
    people = people_of(folder)
    work = photos_of(folder)
    console = Console(stderr=True)
    outcomes: Counter[str] = Counter()
    problems: list[tuple[str, str, str]] = []
    with running(settings_or_fail()) as (_, services), Progress(console=console) as bar:
        task = bar.add_task("enrolling", total=len(work))
        version = services.consent.notice().version
        for employee_id, photo in work:
            code, message = "enrolled", ""
            row = people.get(employee_id, {})
            try:
                services.enrollment.enroll(
                    employee_id,
                    row.get("employee_name") or employee_id,
                    photo.read_bytes(),
                    actor=COMMAND_LINE,
                    consent=paper_consent(row, version),
                )
            except STOPPERS as error:
                raise CommandFailed(f"stopped at {photo}: {error.message}") from error
            except DomainError as error:
                code, message = error.code, error.message
            except OSError as error:
                code, message = "invalid_image", str(error)
            outcomes[OUTCOMES.get(code, code)] += 1
            if code not in ("enrolled", "photo_already_enrolled"):
                problems.append((employee_id, photo.name, message))
            bar.advance(task)
    print_summary(console, outcomes, problems)
    return 0


def print_summary(
    console: Console, outcomes: Counter[str], problems: list[tuple[str, str, str]]
) -> None:
    table = Table(title="enroll-dir summary")
    table.add_column("outcome")
    table.add_column("photos", justify="right")
    for label in dict.fromkeys(OUTCOMES.values()):
        table.add_row(label, str(outcomes.get(label, 0)))
    table.add_row("total", str(sum(outcomes.values())), style="bold")
    Console().print(table)
    for employee_id, photo, message in problems:
        console.print(f"  {employee_id}/{photo}: {message}")
