"""The kiosk, enrollment and HR admin pages and their static files."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
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


def mount_pages(app: FastAPI, static_dir: Path) -> None:
    if not static_dir.is_dir():
        return
    app.mount("/static", StaticFiles(directory=static_dir), name="static")

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/checkin")

    @app.get("/checkin", include_in_schema=False)
    async def checkin_page() -> FileResponse:
        return FileResponse(static_dir / "checkin.html", headers=PAGE_HEADERS)

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
    async def enroll_page() -> FileResponse:
        return FileResponse(static_dir / "enroll.html", headers=PAGE_HEADERS)

    @app.get("/admin", include_in_schema=False)
    async def admin_page() -> FileResponse:
        return FileResponse(static_dir / "admin.html", headers=PAGE_HEADERS)
