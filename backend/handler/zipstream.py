"""A ZIP written as it is read: each part's chunks go out as soon as they are packed, so
an export of any size holds one chunk at a time (the standard zipfile, on a pipe)."""

import io
import zipfile
from collections.abc import Iterable, Iterator

from backend.domain.access_export import ExportPart


class _Pipe(io.RawIOBase):
    """A write-only, unseekable file that hands over what was written on request."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._written = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self._chunks.append(bytes(data))
        self._written += len(data)
        return len(data)

    def tell(self) -> int:
        return self._written

    def drain(self) -> bytes:
        out = b"".join(self._chunks)
        self._chunks.clear()
        return out


def zipped(parts: Iterable[ExportPart]) -> Iterator[bytes]:
    """The ZIP of the parts, deflated, chunk by chunk."""
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for part in parts:
            # force_zip64: the size is not known before the part is read.
            with archive.open(part.name, "w", force_zip64=True) as entry:
                for chunk in part.chunks:
                    entry.write(chunk)
                    packed = pipe.drain()
                    if packed:
                        yield packed
            yield pipe.drain()
    yield pipe.drain()
