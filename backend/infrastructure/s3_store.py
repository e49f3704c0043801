"""Enrollment photos in S3-compatible storage (MinIO, SeaweedFS) through the minio SDK."""

import io
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import urllib3
from minio import Minio
from minio.deleteobjects import DeleteObject
from minio.error import MinioException, S3Error

from backend.domain.errors import StorageUnavailable
from backend.domain.model import StoredPhoto

TRANSPORT_ERRORS = (MinioException, urllib3.exceptions.HTTPError, OSError)
MISSING = ("NoSuchKey", "NoSuchObject", "ResourceNotFound")
CHUNK = 64 * 1024


def _streamed(response: Any) -> Iterator[bytes]:
    """The body in chunks; the connection goes back to the pool however reading ends."""
    try:
        yield from response.stream(CHUNK)
    except TRANSPORT_ERRORS as error:
        raise StorageUnavailable("the photo could not be read to the end") from error
    finally:
        response.close()
        response.release_conn()


class S3ImageStore:
    """ImageStore on S3: photos go out through the backend, never as links to the store."""

    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
    ) -> None:
        parts = urlsplit(endpoint if "://" in endpoint else "http://" + endpoint)
        # Fail fast rather than hang a request when the store is down.
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=3, read=20),
            retries=urllib3.Retry(total=1, backoff_factor=0.2),
            maxsize=16,
        )
        self._client = Minio(
            parts.netloc,
            access_key=access_key,
            secret_key=secret_key,
            secure=parts.scheme == "https",
            region="us-east-1",  # no region lookup round trip before each request
            http_client=http,
        )
        self._bucket = bucket

    def ensure_bucket(self) -> None:
        try:
            if not self._client.bucket_exists(self._bucket):
                self._client.make_bucket(self._bucket)
        except S3Error as error:
            # Replicas started together race to create it: the loser finds it made.
            if error.code != "BucketAlreadyOwnedByYou":
                raise StorageUnavailable(f"object storage is not reachable ({error})") from error
        except TRANSPORT_ERRORS as error:
            raise StorageUnavailable(f"object storage is not reachable ({error})") from error

    def put(self, key: str, data: bytes, content_type: str) -> None:
        try:
            self._client.put_object(
                self._bucket, key, io.BytesIO(data), len(data), content_type=content_type
            )
        except TRANSPORT_ERRORS as error:
            raise StorageUnavailable("could not store the photo") from error

    def get(self, key: str) -> bytes:
        try:
            response = self._client.get_object(self._bucket, key)
            try:
                return response.read()
            finally:
                response.close()
                response.release_conn()
        except TRANSPORT_ERRORS as error:
            raise StorageUnavailable("could not read the photo") from error

    def open(self, key: str) -> StoredPhoto | None:
        try:
            response = self._client.get_object(self._bucket, key)
        except MinioException as error:
            if getattr(error, "code", "") in MISSING:
                return None
            raise StorageUnavailable("could not read the photo") from error
        except TRANSPORT_ERRORS as error:
            raise StorageUnavailable("could not read the photo") from error
        content_type = response.headers.get("Content-Type") or "application/octet-stream"
        return StoredPhoto(_streamed(response), content_type)

    def exists(self, key: str) -> bool:
        try:
            self._client.stat_object(self._bucket, key)
            return True
        except MinioException as error:
            if getattr(error, "code", "") in MISSING:
                return False
            raise StorageUnavailable("could not reach the photo store") from error
        except TRANSPORT_ERRORS as error:
            raise StorageUnavailable("could not reach the photo store") from error

    def keys(self, prefix: str) -> list[str]:
        try:
            return [
                o.object_name
                for o in self._client.list_objects(self._bucket, prefix=prefix, recursive=True)
                if o.object_name
            ]
        except TRANSPORT_ERRORS as error:
            raise StorageUnavailable("could not list photos") from error

    def listing(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        """Every key under prefix with its last-modified time."""
        try:
            found = [
                (o.object_name, o.last_modified)
                for o in self._client.list_objects(self._bucket, prefix=prefix, recursive=True)
                if o.object_name and o.last_modified
            ]
        except TRANSPORT_ERRORS as error:
            raise StorageUnavailable("could not list photos") from error
        return iter(found)

    def names_after(self, cursor: str) -> Iterator[str]:
        """Every object name after `cursor`, in order, listed page by page as read."""
        try:
            for found in self._client.list_objects(
                self._bucket, recursive=True, start_after=cursor or None
            ):
                if found.object_name:
                    yield found.object_name
        except TRANSPORT_ERRORS as error:
            raise StorageUnavailable("could not list photos") from error

    def delete(self, key: str) -> None:
        try:
            self._client.remove_object(self._bucket, key)
        except TRANSPORT_ERRORS as error:
            raise StorageUnavailable("could not delete the photo") from error

    def delete_prefix(self, prefix: str) -> None:
        keys = self.keys(prefix)
        if not keys:
            return
        try:
            failures = list(
                self._client.remove_objects(self._bucket, (DeleteObject(k) for k in keys))
            )
        except TRANSPORT_ERRORS as error:
            raise StorageUnavailable("could not delete the photos") from error
        if failures:
            raise StorageUnavailable(f"could not delete {len(failures)} photos")

    def ping(self) -> None:
        """Raise StorageUnavailable unless the bucket answers."""
        try:
            self._client.bucket_exists(self._bucket)
        except TRANSPORT_ERRORS as error:
            raise StorageUnavailable("object storage is not reachable") from error
