"""Reading multipart forms with a size limit checked before the body is parsed."""

from fastapi import Request
from starlette.datastructures import FormData, UploadFile

from backend.domain.errors import ImageTooLarge, ValidationFailed
from facegate_shared import bodies


async def read_form(request: Request, limit: int, max_files: int = 1) -> FormData:
    """The multipart form; its files may carry `limit` bytes (413 image_too_large past it)."""
    try:
        return await bodies.read_form(request, limit, max_files)
    except bodies.MalformedForm as error:
        raise ValidationFailed(str(error)) from error


async def image_field(form: FormData, limit: int, name: str = "image") -> bytes:
    upload = form.get(name)
    if not isinstance(upload, UploadFile):
        raise ValidationFailed(
            f"an image file in the multipart field '{name}' is required",
            {"fields": {name: "required"}},
        )
    data = await bodies.read_file(upload, limit)
    if not data:
        raise ValidationFailed(f"the file in '{name}' is empty", {"fields": {name: "empty"}})
    return data


async def image_files(form: FormData, limit: int, name: str) -> list[bytes]:
    """Every file of a repeated multipart field, in order; `limit` bytes in all."""
    images = []
    left = limit  # bytes the files not yet read may still carry
    for upload in form.getlist(name):
        if not isinstance(upload, UploadFile):
            raise ValidationFailed(
                f"'{name}' must hold image files", {"fields": {name: "image files"}}
            )
        data = await upload.read(left + 1)
        left -= len(data)
        if left < 0:
            raise ImageTooLarge(
                f"the files in '{name}' are over the limit of {limit} bytes in all",
                {"limit": limit},
            )
        if not data:
            raise ValidationFailed(f"a file in '{name}' is empty", {"fields": {name: "empty"}})
        images.append(data)
    return images


def text_field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def flag_field(form: FormData, name: str) -> bool:
    """A yes/no form field: true, 1, yes or on (any case) mean yes; absent means no."""
    value = form.get(name)
    if value is None or value == "":
        return False
    if not isinstance(value, str) or value.lower() not in FLAG_WORDS:
        raise ValidationFailed(
            f"'{name}' must be true or false", {"fields": {name: "true or false"}}
        )
    return FLAG_WORDS[value.lower()]


FLAG_WORDS = {
    "true": True,
    "1": True,
    "yes": True,
    "on": True,
    "false": False,
    "0": False,
    "no": False,
    "off": False,
}
