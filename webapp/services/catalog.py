"""Where academies come from: the catalog over HTTP, or a JSON file (uploaded, or on disk).

Both implement `CatalogSource.fetch() -> list` (the academy items, envelope removed). Every failure raises
`CatalogError` with a message staff can act on; nothing is ever written by a source.
"""

from __future__ import annotations

import http.client
import logging
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

from webapp.services import jsonio
from webapp.services.errors import InputRefused
from webapp.services.messages import N_, rule_message

log = logging.getLogger(__name__)

ENVELOPE_KEYS = ("results", "items", "academies", "catalogs")
MAX_BYTES = 20 * 1024 * 1024  # per answer, and for all pages together
MAX_PAGES = 1000
DEFAULT_PORTS = {"http": 80, "https": 443}


class CatalogError(InputRefused):
    """The catalog answer cannot be used (HTTP error, timeout, not JSON, wrong shape): nothing was written.

    Built from a rule message's English template and its values (`CatalogError(N_("{where} ..."), where=...)`),
    kept on the error so that a page can show it translated, values included ("The catalog at URL")."""

    status = 502

    def __init__(self, template: str, /, **values: object) -> None:
        super().__init__(rule_message(template, **values))
        self.template = template
        self.values = values


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
        N_(
            "{where} answered JSON of the wrong shape: expected a list of academies or an object with a list under "
            "{keys}, got {type}."
        ),
        where=where,
        keys=", ".join(ENVELOPE_KEYS),
        type=type(payload).__name__,
    )


def parse_json(data: bytes, where: str) -> list[Any]:
    """Decode (UTF-8, BOM allowed) and parse; refuse with the line and column of the problem, or the field
    that cannot be stored, or more academies than one upload may hold."""
    items = academies_from(jsonio.decode_json(data, what=where, error=CatalogError), where)
    return jsonio.limit_items(items, what=where, error=CatalogError)


@dataclass
class HttpCatalog:
    """The catalog API: GET the URL (bearer token when set), follow `next` pages to the end.

    One retry on a connection error, per page. Any failing page fails the whole fetch (never a partial list).
    The bearer token goes only to the configured URL's origin (scheme, host, port): never along a redirect
    or a `next` link to another origin.
    """

    url: str
    token: str = ""
    timeout: float = 10.0
    retries: int = 1
    max_pages: int | None = None  # None: MAX_PAGES
    name: str = field(init=False)

    def __post_init__(self) -> None:
        if not self.url.lower().startswith(("http://", "https://")):
            raise CatalogError(
                N_("The catalog URL must start with http:// or https://, not {url}."), url=repr(self.url)
            )
        self.name = self.url

    def fetch(self) -> list[Any]:
        academies: list[Any] = []
        seen: dict[str, int] = {}
        total = 0
        url: str | None = self.url
        page = 0
        max_pages = self.max_pages or MAX_PAGES
        while url is not None:
            page += 1
            if url in seen:
                raise CatalogError(
                    N_(
                        "Page {page} of the catalog links back to page {earlier} ({url}) as its next page: the pages "
                        "loop. Nothing was changed."
                    ),
                    page=page - 1,
                    earlier=seen[url],
                    url=url,
                )
            if page > max_pages:
                raise CatalogError(
                    N_(
                        "The catalog at {catalog} has more than {max_pages} pages (page {page} is {url}): refusing to "
                        "follow more. Nothing was changed."
                    ),
                    catalog=self.url,
                    max_pages=max_pages,
                    page=page,
                    url=url,
                )
            seen[url] = page
            where = _where(page, url)
            data, final_url = self._get_with_retry(url, where)
            total += len(data)
            if total > MAX_BYTES:
                raise CatalogError(
                    N_(
                        "The catalog at {catalog} answered more than {mb} MB (reached at {where}). Nothing was changed."
                    ),
                    catalog=self.url,
                    mb=MAX_BYTES // (1024 * 1024),
                    where=_lower(where),
                )
            payload = jsonio.decode_json(data, what=where, error=CatalogError)
            academies.extend(academies_from(payload, where))
            url = _next_url(payload, final_url, where)
        return academies

    def _headers(self, url: str) -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": "staff-console academy sync"}
        if self.token and origin(url) == origin(self.url):
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def _get_with_retry(self, url: str, where: str) -> tuple[bytes, str]:
        attempt = 0
        while True:
            try:
                return self._get(url, where)
            except _ConnectionFailed as error:
                if attempt >= self.retries:
                    raise CatalogError(
                        N_("Could not connect to {where}: {reason}. Nothing was changed."),
                        where=_lower(where),
                        reason=error.reason,
                    ) from None
                attempt += 1
                log.info("Catalog connection failed (%s); retrying once", error.reason)

    def _get(self, url: str, where: str) -> tuple[bytes, str]:
        request = urllib.request.Request(url, headers=self._headers(url), method="GET")
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                data = response.read(MAX_BYTES + 1)
                final_url = response.geturl() or url
        except urllib.error.HTTPError as error:
            raise CatalogError(
                N_("{where} answered HTTP {code} {reason}. Nothing was changed."),
                where=where,
                code=error.code,
                reason=error.reason,
            ) from None
        except urllib.error.URLError as error:
            if isinstance(error.reason, TimeoutError):
                raise self._timeout(where) from None
            raise _ConnectionFailed(str(error.reason)) from None
        except TimeoutError:
            raise self._timeout(where) from None
        except (ConnectionError, OSError, http.client.HTTPException) as error:
            raise _ConnectionFailed(str(error) or type(error).__name__) from None
        if len(data) > MAX_BYTES:
            raise CatalogError(
                N_("{where} answered more than {mb} MB. Nothing was changed."),
                where=where,
                mb=MAX_BYTES // (1024 * 1024),
            )
        return data, final_url

    def _timeout(self, where: str) -> CatalogError:
        return CatalogError(
            N_("{where} did not answer within {seconds} seconds. Nothing was changed."),
            where=where,
            seconds=format(self.timeout, "g"),
        )


def _where(page: int, url: str) -> str:
    """How messages name a page: "The catalog at URL" for the first, "Page N of the catalog (URL)" after."""
    if page == 1:
        return rule_message("The catalog at {url}", url=url)
    return rule_message("Page {page} of the catalog ({url})", page=page, url=url)


def _lower(where: str) -> str:
    return where[:1].lower() + where[1:]


def _next_url(payload: Any, current: str, where: str) -> str | None:
    """The absolute URL of the next page, or None at the end (no `next`, or null/empty)."""
    if not isinstance(payload, dict):
        return None
    link = payload.get("next")
    if link is None or (isinstance(link, str) and not link.strip()):
        return None
    if not isinstance(link, str):
        raise CatalogError(
            N_("{where} answered a `next` that is not a URL: {link}. Nothing was changed."),
            where=where,
            link=repr(link),
        )
    absolute = urllib.parse.urljoin(current, link.strip())
    if urllib.parse.urlsplit(absolute).scheme.lower() not in ("http", "https"):
        raise CatalogError(
            N_("{where} answered a `next` that is not an http(s) URL: {link}. Nothing was changed."),
            where=where,
            link=repr(link),
        )
    return absolute


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the scheme's default port filled in: what decides where the token may go."""
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or DEFAULT_PORTS.get(scheme)


class _SameOriginAuth(urllib.request.HTTPRedirectHandler):
    """Follow redirects as urllib does, but drop Authorization when the target's origin differs."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: http.client.HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and origin(new.full_url) != origin(req.full_url):
            for store in (new.headers, new.unredirected_hdrs):
                for key in [k for k in store if k.lower() == "authorization"]:
                    del store[key]
        return new


_OPENER = urllib.request.build_opener(_SameOriginAuth)


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
            if filename:
                raise CatalogError(N_("{file} is not a .json file: upload the catalog as JSON."), file=filename)
            raise CatalogError(N_("The file is not a .json file: upload the catalog as JSON."))
        return cls(name=filename, data=data)

    def fetch(self) -> list[Any]:
        data = self.data
        if data is None:
            try:
                data = self.path.read_bytes() if self.path else b""
            except OSError as error:
                raise CatalogError(
                    N_("Cannot read the catalog file {file}: {reason}."), file=self.name, reason=error.strerror
                ) from None
        return parse_json(data, rule_message("The file {file}", file=self.name))


def configured_source(config: dict[str, Any]) -> CatalogSource:
    """The configured catalog URL, or the demo catalog file when no URL is configured."""
    url = (config.get("CATALOG_ACADEMIES_URL") or "").strip()
    if url:
        return http_source(url, config)
    demo = FileCatalog.from_path(config["CATALOG_DEMO_FILE"])
    demo.name = rule_message("the demo catalog ({file})", file=Path(demo.name).name)
    N_(
        "The demo catalog ({file})"
    )  # how a refusal starts when it names the demo catalog first  # staff see a name, not a server path
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
