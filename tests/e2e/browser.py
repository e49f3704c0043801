"""Debian's Chromium driven by Playwright, with a fake camera made from a test photo."""

import contextlib
import io
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from PIL import Image

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]


def write_y4m(photo: bytes | None, path: Path, frames: int = 10, size=(640, 480)) -> Path:
    """A Y4M video of one still frame: the photo fitted in 640x480, or blank for None."""
    canvas = Image.new("RGB", size, (40, 40, 40) if photo else (128, 128, 128))
    if photo:
        image = Image.open(io.BytesIO(photo)).convert("RGB")
        image.thumbnail(size)
        canvas.paste(image, ((size[0] - image.width) // 2, (size[1] - image.height) // 2))
    y, cb, cr = canvas.convert("YCbCr").split()
    half = (size[0] // 2, size[1] // 2)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with open(path, "wb") as out:
        out.write(b"YUV4MPEG2 W%d H%d F10:1 Ip A1:1 C420jpeg\n" % size)
        for _ in range(frames):
            out.write(b"FRAME\n" + planes)
    return path


def chromium_path() -> str:
    found = shutil.which("chromium")
    assert found, "Debian's chromium is installed by `make install` (make browser)"
    return found


@contextlib.contextmanager
def browser_page(camera: Path | None) -> Iterator[Any]:
    """A fresh headless Chromium whose camera plays `camera`, and one tablet-sized page."""
    from playwright.sync_api import sync_playwright

    args = list(CHROMIUM_ARGS)
    if camera is not None:
        args.append(f"--use-file-for-fake-video-capture={camera}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=args
        )
        try:
            page = browser.new_page(viewport={"width": 1024, "height": 768})
            yield page
        finally:
            browser.close()


def wait_for(page: Any, expression: str, timeout: float = 30.0) -> Any:
    """Poll a JS expression until truthy (wait_for_function needs eval, which CSP forbids)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = page.evaluate(expression)
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {expression}")


def state_of(page: Any, selector: str) -> Callable[[], str]:
    return lambda: page.get_attribute(selector, "data-state") or ""
