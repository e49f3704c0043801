"""A personal QR code as a kiosk camera would see it printed: the modules made by the
vendored qrcode-generator (run in Chromium, as /admin runs it), drawn with PIL on a sheet
of paper in a 640x480 frame."""

import io

from PIL import Image, ImageDraw

from facegate_shared.paths import REPO_ROOT
from tests.e2e.browser import browser_page

QRCODE_JS = REPO_ROOT / "static" / "vendor" / "qrcode-generator" / "qrcode.js"


def qr_modules(text: str) -> list[list[bool]]:
    """The dark and light modules of `text` as a QR code (error correction M)."""
    with browser_page(None) as page:
        page.set_content("<!doctype html><title>qr</title>")
        page.add_script_tag(path=str(QRCODE_JS))
        matrix: list[list[bool]] = page.evaluate(
            """(text) => {
                const code = qrcode(0, "M");
                code.addData(text);
                code.make();
                const n = code.getModuleCount();
                return Array.from({length: n}, (_, r) =>
                    Array.from({length: n}, (_, c) => code.isDark(r, c)));
            }""",
            text,
        )
    return matrix


def printed_qr_frame(text: str, size: tuple[int, int] = (640, 480), module: int = 7) -> bytes:
    """A PNG frame: a grey room, a white sheet, the code on it with its quiet zone."""
    modules = qr_modules(text)
    side = (len(modules) + 8) * module  # four modules of quiet zone on each side
    frame = Image.new("RGB", size, (96, 96, 96))
    sheet = Image.new("RGB", (side, side), (245, 245, 240))
    draw = ImageDraw.Draw(sheet)
    for r, row in enumerate(modules):
        for c, dark in enumerate(row):
            if dark:
                x, y = (c + 4) * module, (r + 4) * module
                draw.rectangle((x, y, x + module - 1, y + module - 1), fill=(20, 20, 20))
    frame.paste(sheet, ((size[0] - side) // 2, (size[1] - side) // 2))
    out = io.BytesIO()
    frame.save(out, "PNG")
    return out.getvalue()
