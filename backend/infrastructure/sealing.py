"""AES-256-GCM sealing of stored objects, with the key id in a small header.

Layout: b"FGE1", key-id length (1 byte), key id, content-type length (1 byte), content
type, 12-byte nonce, ciphertext with its 16-byte tag. The header and the object's name are
the associated data: a sealed photo moved to another name or given another key id fails."""

import base64
import binascii
import os
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from backend.domain.errors import StorageUnavailable

MAGIC = b"FGE1"
NONCE = 12


def is_sealed(blob: bytes) -> bool:
    """Whether `blob` is what Keyring.seal makes (else an object stored as it is)."""
    return blob.startswith(MAGIC)


def key_id_of(blob: bytes) -> str:
    """The id of the key a sealed object is sealed with, from its header; "" for one
    stored as it is."""
    if not is_sealed(blob) or len(blob) <= len(MAGIC):
        return ""
    at = len(MAGIC)
    return blob[at + 1 : at + 1 + blob[at]].decode(errors="replace")


class StorageKeyError(ValueError):
    """A storage key setting that cannot be used (says which and why)."""


@dataclass(frozen=True)
class Sealed:
    key_id: str
    content_type: str
    plaintext: bytes


@dataclass
class Keyring:
    """The storage keys by id; `current` seals, every one opens. Empty: nothing sealed."""

    keys: dict[str, bytes] = field(default_factory=dict)
    current: str = ""

    @property
    def enabled(self) -> bool:
        return bool(self.current)

    def seal(self, name: str, data: bytes, content_type: str) -> bytes:
        kid, ctype = self.current.encode(), content_type.encode()[:255]
        header = MAGIC + bytes([len(kid)]) + kid + bytes([len(ctype)]) + ctype
        nonce = os.urandom(NONCE)
        sealed = AESGCM(self.keys[self.current]).encrypt(nonce, data, header + name.encode())
        return header + nonce + sealed

    def open(self, name: str, blob: bytes, stored_type: str) -> Sealed:
        """The plaintext of a sealed object; an object written before sealing (no header)
        comes back as it is, with key id ""."""
        if not is_sealed(blob):
            return Sealed("", stored_type, blob)
        try:
            at = len(MAGIC)
            kid = blob[at + 1 : at + 1 + blob[at]]
            at += 1 + blob[at]
            ctype = blob[at + 1 : at + 1 + blob[at]]
            at += 1 + blob[at]
            header, nonce, sealed = blob[:at], blob[at : at + NONCE], blob[at + NONCE :]
        except IndexError as error:
            raise StorageUnavailable(f"the stored object {name} is damaged") from error
        key = self.keys.get(kid.decode(errors="replace"))
        if key is None:
            raise StorageUnavailable(
                f"the stored object {name} is sealed with key {kid.decode(errors='replace')!r}, "
                "which is not among STORAGE_KEYS"
            )
        try:
            plain = AESGCM(key).decrypt(nonce, sealed, header + name.encode())
        except InvalidTag as error:
            raise StorageUnavailable(
                f"the stored object {name} fails its integrity check"
            ) from error
        return Sealed(kid.decode(), ctype.decode(), plain)


def parse_keys(text: str, source: str) -> dict[str, bytes]:
    """{"id": key} from "id:base64" items separated by commas or new lines."""
    keys: dict[str, bytes] = {}
    for item in text.replace(",", "\n").splitlines():
        item = item.strip()
        if not item or item.startswith("#"):
            continue
        kid, sep, encoded = item.partition(":")
        try:
            key = base64.b64decode(encoded.strip(), validate=True)
        except binascii.Error:
            key = b""
        if not sep or not kid or len(kid) > 64 or len(key) != 32:
            raise StorageKeyError(
                f"{source}: each key is 'id:base64 of 32 random bytes' "
                "(make one with: facegate keys new-storage-key ID)"
            )
        keys[kid.strip()] = key
    return keys


def keyring(listed: str, file: Path | None, current: str) -> Keyring:
    """The keyring the settings describe; the current key is STORAGE_KEY_ID, else the first."""
    keys = parse_keys(listed, "STORAGE_KEYS")
    if file is not None:
        try:
            keys.update(parse_keys(file.read_text(), str(file)))
        except OSError as error:
            raise StorageKeyError(f"STORAGE_KEYS_FILE {file}: {error.strerror}") from None
    if current and current not in keys:
        raise StorageKeyError(f"STORAGE_KEY_ID {current!r} is not among the storage keys")
    return Keyring(keys, current or next(iter(keys), ""))


def new_key_line(key_id: str) -> str:
    """A fresh 'id:base64' line for STORAGE_KEYS or the key file."""
    return f"{key_id}:{base64.b64encode(os.urandom(32)).decode()}"
