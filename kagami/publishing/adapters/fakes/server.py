"""A small threaded HTTP server on 127.0.0.1 (port 0) that the per-platform fakes build on.

A fake registers routes (method + path regex → handler). Tests can queue one-off answers for
the next matching request (`fail_next`): a `FakeResponse`, `CLOSE` (drop the connection
without answering) or `HANG` (answer nothing until the client times out); a route's handler
may answer with `CLOSE` or `HANG` too. A client that went away before its answer is no error.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit


@dataclass
class Recorded:
    """One request the fake received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode())

    def multipart(self) -> dict[str, tuple[bytes, str | None]]:
        """multipart/form-data parts: name → (content, content type or None)."""
        head = f"Content-Type: {self.header('content-type')}\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + self.body)
        parts: dict[str, tuple[bytes, str | None]] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            ctype = part.get("content-type")
            payload = part.get_payload(decode=True)
            parts[str(name)] = (payload if isinstance(payload, bytes) else b"", ctype)
        return parts

    def field(self, name: str) -> str | None:
        """A form field from a urlencoded, multipart or JSON body."""
        ctype = self.header("content-type") or ""
        if ctype.startswith("multipart/"):
            part = self.multipart().get(name)
            return part[0].decode() if part else None
        if ctype.startswith("application/json"):
            value = self.json().get(name)
            return None if value is None else str(value)
        values = self.form().get(name) or self.query.get(name)
        return values[0] if values else None


@dataclass
class FakeResponse:
    status: int = 200
    body: bytes | str | Any = b""
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> tuple[bytes, dict[str, str]]:
        headers = dict(self.headers)
        if isinstance(self.body, bytes):
            return self.body, headers
        if isinstance(self.body, str):
            headers.setdefault("Content-Type", "text/plain; charset=utf-8")
            return self.body.encode(), headers
        headers.setdefault("Content-Type", "application/json; charset=utf-8")
        return json.dumps(self.body).encode(), headers


def json_response(
    body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> FakeResponse:
    return FakeResponse(status=status, body=body, headers=headers or {})


class _Special:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


CLOSE = _Special("CLOSE")
HANG = _Special("HANG")

Answer = FakeResponse | _Special
Handler = Callable[[Recorded, re.Match[str]], Answer]


class FakeServer:
    """Base of the per-platform fakes. Use as a context manager; `url` is its base address."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._queued: list[tuple[str, re.Pattern[str], Answer]] = []
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- set-up ---------------------------------------------------------------------------
    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self._routes.append((method, re.compile(pattern + r"\Z"), handler))

    def fail_next(self, method: str, pattern: str, answer: Answer) -> None:
        """Answer the next `method` request whose path matches `pattern` with `answer`."""
        with self._lock:
            self._queued.append((method, re.compile(pattern + r"\Z"), answer))

    def received(self, method: str, pattern: str) -> list[Recorded]:
        regex = re.compile(pattern + r"\Z")
        return [r for r in self.requests if r.method == method and regex.match(r.path)]

    # -- life cycle -----------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Self:
        fake = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body are written separately: with Nagle's algorithm and the client's
            # delayed ACK every keep-alive answer would wait ~40 ms.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _serve(self) -> None:
                fake._dispatch(self)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        class _Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                if not isinstance(sys.exc_info()[1], ConnectionError):
                    super().handle_error(request, client_address)  # a client gone is no error

        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- serving --------------------------------------------------------------------------
    def _dispatch(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        rec = Recorded(
            method=h.command,
            path=parts.path,
            query=parse_qs(parts.query),
            headers={k.lower(): v for k, v in h.headers.items()},
            body=body,
        )
        with self._lock:
            self.requests.append(rec)
            answer: Answer | None = None
            for i, (method, regex, queued) in enumerate(self._queued):
                if method == rec.method and regex.match(rec.path):
                    answer = queued
                    del self._queued[i]
                    break
        if answer is None:
            answer = self._route(rec)
        if answer is CLOSE:
            h.close_connection = True
            h.wfile.flush()
            h.connection.shutdown(2)
            return
        if answer is HANG:
            self._release.wait(10)
            h.close_connection = True
            return
        assert isinstance(answer, FakeResponse)
        payload, headers = answer.encoded()
        h.send_response(answer.status)
        for name, value in headers.items():
            h.send_header(name, value)
        h.send_header("Content-Length", str(len(payload)))
        h.end_headers()
        h.wfile.write(payload)

    def _route(self, rec: Recorded) -> Answer:
        for method, regex, handler in self._routes:
            match = regex.match(rec.path)
            if method == rec.method and match:
                return handler(rec, match)
        return self.not_found(rec)

    def not_found(self, rec: Recorded) -> FakeResponse:
        return json_response({"error": f"no route {rec.method} {rec.path}"}, 404)
