"""Test photos composed from the sample photos at test time (never committed): a busy
enrollment photo with a large face and a smaller one beside it."""

import io

from PIL import Image


def jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92)
    return out.getvalue()


def opened(data: bytes, scale: float = 1.0) -> Image.Image:
    image = Image.open(io.BytesIO(data)).convert("RGB")
    return image.resize((round(image.width * scale), round(image.height * scale)))


def busy_photo(
    large: bytes, other: bytes, other_scale: float, other_at: tuple[int, int] = (1000, 50)
) -> bytes:
    """`large` at the left of a grey 1600x1200 picture (its top 1200 px), `other` scaled by
    `other_scale` at the top right (at `other_at`: what passes the right edge is cut)."""
    canvas = Image.new("RGB", (1600, 1200), (128, 128, 128))
    canvas.paste(opened(large), (0, 0))
    canvas.paste(opened(other, other_scale), other_at)
    return jpeg(canvas)
