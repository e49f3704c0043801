"""The kiosk and enrollment pages and their static files."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles


def mount_pages(app: FastAPI, static_dir: Path) -> None:
    if not static_dir.is_dir():
        return
    app.mount("/static", StaticFiles(directory=static_dir), name="static")

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/checkin")

    @app.get("/checkin", include_in_schema=False)
    async def checkin_page() -> FileResponse:
        return FileResponse(static_dir / "checkin.html", headers={"Cache-Control": "no-cache"})

    @app.get("/enroll", include_in_schema=False)
    async def enroll_page() -> FileResponse:
        return FileResponse(static_dir / "enroll.html", headers={"Cache-Control": "no-cache"})
