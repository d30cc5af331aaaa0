"""A logged-in browser session over real HTTP (cookies + CSRF token), stdlib only.

Shared by the load benchmark and the gunicorn concurrency tests.
"""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Session:
    """Cookies kept between requests; redirects are returned, not followed (so their status can be read)."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )
        self._token: str | None = None

    def request(
        self,
        method: str,
        path: str,
        data: dict | None = None,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str, dict[str, str]]:
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=headers or {})
        try:
            with self.opener.open(req, timeout=120) as response:
                return response.status, response.read().decode(errors="replace"), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace"), dict(error.headers)

    def token(self, path: str = "/login") -> str:
        if self._token is None:
            _, html, _ = self.request("GET", path)
            match = _TOKEN.search(html)
            assert match, f"no CSRF token on {path}"
            self._token = match.group(1)
        return self._token

    def login(self, username: str, password: str = "edx") -> None:
        status, _, _ = self.request(
            "POST", "/login", {"username": username, "password": password, "csrf_token": self.token()}
        )
        assert status == 302, f"login of {username} answered {status}"
        self._token = None  # a new session: a new token

    def post(self, path: str, data: dict | None = None) -> tuple[int, str, dict[str, str]]:
        return self.request("POST", path, {**(data or {}), "csrf_token": self.token("/")})

    def upload(self, path: str, filename: str, content: bytes, fields: dict[str, str] | None = None):
        """POST a multipart form with one file field named `file`."""
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in {**(fields or {}), "csrf_token": self.token("/")}.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: text/csv\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request(
            "POST", path, body=b"".join(parts), headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )
