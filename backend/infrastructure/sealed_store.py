"""The ImageStore that seals what it stores (AES-GCM, sealing.py) around the S3 store."""

from collections.abc import Iterator
from datetime import datetime
from itertools import islice

from backend.domain.model import StoredPhoto
from backend.infrastructure.s3_store import S3ImageStore
from backend.infrastructure.sealing import Keyring, is_sealed, key_id_of

SEALED_TYPE = "application/octet-stream"  # what the object store sees of a sealed photo


class SealedImageStore:
    """Seals on put with the current key, opens with any key of the ring; objects stored
    before sealing was turned on read as they are until the rotation seals them."""

    def __init__(self, inner: S3ImageStore, keys: Keyring) -> None:
        self._inner = inner
        self._keys = keys

    @property
    def current_key_id(self) -> str:
        return self._keys.current

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self._put(key, self.sealed(key, data, content_type), content_type)

    def sealed(self, key: str, data: bytes, content_type: str) -> bytes:
        """The bytes `put` stores under `key`: sealed with the current key, or as they are
        while sealing is off (a check-in holds its snapshot so until it is stored)."""
        return self._keys.seal(key, data, content_type) if self._keys.enabled else data

    def put_sealed(self, key: str, blob: bytes, content_type: str) -> None:
        """Store what `sealed` made of a `content_type` object, resealed first when the
        current key is another by now (a storage key rotation ran while it was held)."""
        self._put(key, self.current_seal(key, blob, content_type), content_type)

    def current_seal(self, key: str, blob: bytes, content_type: str) -> bytes:
        """What `sealed` would make now of the object `blob` is: `blob` itself while the
        current key sealed it, else opened (with any key of the ring) and sealed anew."""
        if key_id_of(blob) == self._keys.current:
            return blob
        opened = self._keys.open(key, blob, content_type)
        return self.sealed(key, opened.plaintext, opened.content_type)

    def _put(self, key: str, blob: bytes, content_type: str) -> None:
        self._inner.put(key, blob, SEALED_TYPE if is_sealed(blob) else content_type)

    def opened(self, key: str, blob: bytes, content_type: str) -> StoredPhoto:
        """What `sealed` made of a `content_type` object under `key`, opened."""
        opened = self._keys.open(key, blob, content_type)
        return StoredPhoto(iter([opened.plaintext]), opened.content_type)

    def get(self, key: str) -> bytes:
        return self._keys.open(key, self._inner.get(key), "").plaintext

    def open(self, key: str) -> StoredPhoto | None:
        # GCM checks its tag only at the end: the photo is read whole (at most
        # MAX_UPLOAD_BYTES) before a byte of it is handed on.
        stored = self._inner.open(key)
        if stored is None:
            return None
        opened = self._keys.open(key, b"".join(stored.chunks), stored.content_type)
        return StoredPhoto(iter([opened.plaintext]), opened.content_type)

    def reseal(self, key: str) -> bool:
        """Seal one object with the current key unless it already is; False when it was
        (or is gone: an erasure got there first)."""
        stored = self._inner.open(key)
        if stored is None:
            return False
        opened = self._keys.open(key, b"".join(stored.chunks), stored.content_type)
        if opened.key_id == self._keys.current:
            return False
        self.put(key, opened.plaintext, opened.content_type)
        return True

    def names_after(self, cursor: str, limit: int) -> list[str]:
        """Up to `limit` object names after `cursor`, in the store's (lexical) order."""
        return list(islice(self._inner.names_after(cursor), limit))

    def exists(self, key: str) -> bool:
        return self._inner.exists(key)

    def keys(self, prefix: str) -> list[str]:
        return self._inner.keys(prefix)

    def listing(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        return self._inner.listing(prefix)

    def delete(self, key: str) -> None:
        self._inner.delete(key)

    def delete_prefix(self, prefix: str) -> None:
        self._inner.delete_prefix(prefix)

    def ensure_bucket(self) -> None:
        self._inner.ensure_bucket()

    def ping(self) -> None:
        self._inner.ping()
