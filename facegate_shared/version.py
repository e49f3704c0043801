"""The one version number of facegate: the installed package's (pyproject.toml), shown by the
API (`info.version` in openapi.json), the embedder and `facegate --version`."""

from importlib.metadata import PackageNotFoundError, version


def facegate_version() -> str:
    """The version pip installed; a checkout that was never installed has none to show."""
    try:
        return version("facegate")
    except PackageNotFoundError:  # pragma: no cover - `make install` always installs it
        return "0+unknown"
