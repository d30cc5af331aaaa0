"""Where academies come from: the catalog over HTTP, or a JSON file (uploaded, or on disk).

Both implement `CatalogSource.fetch() -> list` (the academy items, envelope removed). Every failure raises
`CatalogError` with a message staff can act on; nothing is ever written by a source.
"""

from __future__ import annotations

import http.client
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from webapp.services import jsonio
from webapp.services.errors import InputRefused

log = logging.getLogger(__name__)

ENVELOPE_KEYS = ("results", "items", "academies", "catalogs")
MAX_BYTES = 20 * 1024 * 1024


class CatalogError(InputRefused):
    """The catalog answer cannot be used (HTTP error, timeout, not JSON, wrong shape): nothing was written."""

    status = 502


class CatalogSource(Protocol):
    """A source of catalog academies. `name` says where they came from (shown on the plan)."""

    name: str

    def fetch(self) -> list[Any]: ...


def academies_from(payload: Any, where: str) -> list[Any]:
    """The academy list of a payload: a plain list, or the first list under results/items/academies/catalogs.

    An object without such a list yields an empty list; anything but a list or an object is refused.
    """
    if isinstance(payload, list):
        return payload
    if isinstance(payload, dict):
        for key in ENVELOPE_KEYS:
            if isinstance(payload.get(key), list):
                return payload[key]
        return []
    raise CatalogError(
        f"{where} answered JSON of the wrong shape: expected a list of academies or an object "
        f"with a list under {', '.join(ENVELOPE_KEYS)}, got {type(payload).__name__}."
    )


def parse_json(data: bytes, where: str) -> list[Any]:
    """Decode (UTF-8, BOM allowed) and parse; refuse with the line and column of the problem."""
    return academies_from(jsonio.decode_json(data, what=where, error=CatalogError), where)


@dataclass
class HttpCatalog:
    """The catalog API: GET the URL (bearer token when set), one retry on a connection error."""

    url: str
    token: str = ""
    timeout: float = 10.0
    retries: int = 1
    name: str = field(init=False)

    def __post_init__(self) -> None:
        if not self.url.lower().startswith(("http://", "https://")):
            raise CatalogError(f"The catalog URL must start with http:// or https://, not {self.url!r}.")
        self.name = self.url

    def _request(self) -> urllib.request.Request:
        headers = {"Accept": "application/json", "User-Agent": "staff-console academy sync"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return urllib.request.Request(self.url, headers=headers, method="GET")

    def fetch(self) -> list[Any]:
        attempt = 0
        while True:
            try:
                return parse_json(self._get(), f"The catalog at {self.url}")
            except _ConnectionFailed as error:
                if attempt >= self.retries:
                    raise CatalogError(
                        f"Could not connect to the catalog at {self.url}: {error.reason}. Nothing was changed."
                    ) from None
                attempt += 1
                log.info("Catalog connection failed (%s); retrying once", error.reason)

    def _get(self) -> bytes:
        try:
            with urllib.request.urlopen(self._request(), timeout=self.timeout) as response:
                data = response.read(MAX_BYTES + 1)
        except urllib.error.HTTPError as error:
            raise CatalogError(
                f"The catalog at {self.url} answered HTTP {error.code} {error.reason}. Nothing was changed."
            ) from None
        except urllib.error.URLError as error:
            if isinstance(error.reason, TimeoutError):
                raise self._timeout() from None
            raise _ConnectionFailed(str(error.reason)) from None
        except TimeoutError:
            raise self._timeout() from None
        except (ConnectionError, OSError, http.client.HTTPException) as error:
            raise _ConnectionFailed(str(error) or type(error).__name__) from None
        if len(data) > MAX_BYTES:
            raise CatalogError(f"The catalog at {self.url} answered more than {MAX_BYTES // (1024 * 1024)} MB.")
        return data

    def _timeout(self) -> CatalogError:
        return CatalogError(
            f"The catalog at {self.url} did not answer within {self.timeout:g} seconds. Nothing was changed."
        )


class _ConnectionFailed(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class FileCatalog:
    """A catalog JSON file: uploaded bytes (with the file's name) or a path on disk."""

    name: str
    data: bytes | None = None
    path: Path | None = None

    @classmethod
    def from_path(cls, path: str | Path) -> FileCatalog:
        return cls(name=str(path), path=Path(path))

    @classmethod
    def from_upload(cls, filename: str, data: bytes) -> FileCatalog:
        if not filename.lower().endswith(".json"):
            raise CatalogError(f"{filename or 'The file'} is not a .json file: upload the catalog as JSON.")
        return cls(name=filename, data=data)

    def fetch(self) -> list[Any]:
        data = self.data
        if data is None:
            try:
                data = self.path.read_bytes() if self.path else b""
            except OSError as error:
                raise CatalogError(f"Cannot read the catalog file {self.name}: {error.strerror}.") from None
        return parse_json(data, f"The file {self.name}")


def configured_source(config: dict[str, Any]) -> CatalogSource:
    """The configured catalog URL, or the demo catalog file when no URL is configured."""
    url = (config.get("CATALOG_ACADEMIES_URL") or "").strip()
    if url:
        return http_source(url, config)
    demo = FileCatalog.from_path(config["CATALOG_DEMO_FILE"])
    demo.name = f"the demo catalog ({Path(demo.name).name})"  # staff see a name, not a server path
    return demo


def http_source(url: str, config: dict[str, Any]) -> HttpCatalog:
    return HttpCatalog(
        url, token=config.get("CATALOG_API_TOKEN") or "", timeout=float(config.get("CATALOG_TIMEOUT_SECONDS") or 10)
    )


def source_for(location: str | None, config: dict[str, Any]) -> CatalogSource:
    """`--source`: an http(s) URL, a file path, or nothing (the configured catalog)."""
    if not location:
        return configured_source(config)
    if location.lower().startswith(("http://", "https://")):
        return http_source(location, config)
    return FileCatalog.from_path(location)
