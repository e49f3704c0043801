"""Decoding uploads: an upright JPEG frame goes straight to OpenCV's decoder, everything
else through Pillow, and both give the model the same pixels."""

import io
from typing import Any

import numpy as np
import pytest
from PIL import Image

from embedder import imaging
from embedder.errors import InvalidImage
from embedder.imaging import decode_image

LIMITS = {"max_pixels": 40_000_000, "work_max_side": 1600}


def jpeg_frame(**save: object) -> bytes:
    """A 640x480 frame with detail in every channel (gradients and noise), as JPEG."""
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:480, 0:640]
    pixels = np.stack([x * 255 // 639, y * 255 // 479, (x + y) % 256], axis=-1)
    noisy = np.clip(pixels + rng.integers(-20, 20, pixels.shape), 0, 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(noisy).save(out, "JPEG", quality=90, **save)
    return out.getvalue()


def pillows_pixels(jpeg: bytes) -> bytes:
    """The same JPEG as Pillow decodes it, kept losslessly (PNG: never the direct path)."""
    out = io.BytesIO()
    Image.open(io.BytesIO(jpeg)).convert("RGB").save(out, "PNG")
    return out.getvalue()


def test_an_upright_jpeg_decodes_to_the_pixels_pillow_gives(monkeypatch) -> None:
    frame = jpeg_frame()
    calls = []
    imdecode = imaging.cv2.imdecode

    def counted(*args: Any) -> Any:
        calls.append(1)
        return imdecode(*args)

    monkeypatch.setattr(imaging.cv2, "imdecode", counted)
    direct = decode_image(frame, **LIMITS)
    assert calls == [1]  # OpenCV's decoder read it
    through_pillow = decode_image(pillows_pixels(frame), **LIMITS)
    assert calls == [1]  # a PNG never goes that way
    assert (direct.width, direct.height, direct.scale) == (640, 480, 1.0)
    assert direct.bgr.shape == (480, 640, 3) and direct.bgr.flags["C_CONTIGUOUS"]
    assert np.array_equal(direct.bgr, through_pillow.bgr)


def test_a_jpeg_turned_by_exif_is_still_turned() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # stored on its side: "rotate 90 CW to view"
    decoded = decode_image(jpeg_frame(exif=exif), **LIMITS)
    assert (decoded.width, decoded.height) == (480, 640)
    assert decoded.bgr.shape == (640, 480, 3)


def test_a_cut_off_jpeg_is_refused_not_filled_in() -> None:
    frame = jpeg_frame()
    with pytest.raises(InvalidImage):
        decode_image(frame[: len(frame) * 2 // 3], **LIMITS)
