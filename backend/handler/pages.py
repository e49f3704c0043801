"""The kiosk, enrollment and HR admin pages and their static files."""

import re
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

# The pages need nothing from elsewhere and no inline code; the camera only for themselves.
PAGE_HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        "img-src 'self' blob: data:; media-src 'self' blob: mediastream:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'self'"
    ),
    "Permissions-Policy": "camera=(self)",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


# `<!-- include NAME.html -->` on a line of its own stands for static/parts/NAME.html: the
# parts every page shares (head, sign-in panel) are written once.
INCLUDE = re.compile(r"^[ \t]*<!-- include ([\w-]+\.html) -->\n", re.MULTILINE)


def assembled(static_dir: Path, page: str) -> str:
    """The page with its shared parts in place."""
    parts = static_dir / "parts"
    return INCLUDE.sub(lambda m: (parts / m.group(1)).read_text(), (static_dir / page).read_text())


def page_response(static_dir: Path, page: str) -> HTMLResponse:
    return HTMLResponse(assembled(static_dir, page), headers=PAGE_HEADERS)


def mount_pages(app: FastAPI, static_dir: Path) -> None:
    if not static_dir.is_dir():
        return
    app.mount("/static", StaticFiles(directory=static_dir), name="static")

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/checkin")

    @app.get("/checkin", include_in_schema=False)
    async def checkin_page() -> HTMLResponse:
        return page_response(static_dir, "checkin.html")

    @app.get("/docs", include_in_schema=False)
    async def api_docs() -> HTMLResponse:
        # Swagger UI from static/vendor (scripts/vendor_static.sh), not a CDN: works offline.
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="facegate API",
            swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/vendor/swagger-ui/favicon-32x32.png",
        )

    @app.get("/enroll", include_in_schema=False)
    async def enroll_page() -> HTMLResponse:
        return page_response(static_dir, "enroll.html")

    @app.get("/admin", include_in_schema=False)
    async def admin_page() -> HTMLResponse:
        return page_response(static_dir, "admin.html")
