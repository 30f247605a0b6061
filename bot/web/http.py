"""What every page and API shares: the app keys the composition root fills (the services, the
settings, the templates), rendering, JSON errors, the JSON body reader, and the 503 while the
database is unreachable."""

from __future__ import annotations

import errno
import json
import time
from collections import deque
from pathlib import Path
from typing import Any

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot import __version__
from bot.settings import Settings
from services import Services

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"

# Filled by the composition root (bot/app.py) before any route runs.
SERVICES = web.AppKey("services", Services)
SETTINGS = web.AppKey("settings", Settings)
TEMPLATES = web.AppKey("templates", Environment)


def make_templates() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(["html"]),
        enable_async=False,
        # {% trans %} in the chat page: its gettext comes with each render (bot/web/chat.py).
        extensions=["jinja2.ext.i18n"],
    )
    env.globals["version"] = __version__
    return env


def render(env: Environment, name: str, status: int = 200, **context: Any) -> web.Response:
    html = env.get_template(name).render(**context)
    return web.Response(text=html, content_type="text/html", status=status)


def json_error(status: type[web.HTTPException], reason: str, **extra: Any) -> web.HTTPException:
    """A 4xx/5xx carrying `{"error": reason}`: the client always learns what was wrong."""
    return status(text=json.dumps({"error": reason, **extra}), content_type="application/json")


def body_too_large(limit: int) -> web.HTTPException:
    return web.HTTPRequestEntityTooLarge(
        max_size=limit,
        actual_size=limit + 1,
        text=json.dumps({"error": f"the request body is too large (limit {limit} bytes)"}),
        content_type="application/json",
    )


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


async def read_form(request: web.Request) -> dict[str, str]:
    """A POST's form fields (text only), or a 400 saying why the body is no form."""
    try:
        form = await request.post()
    except (ValueError, LookupError) as error:
        # What aiohttp raises for a multipart body without a boundary, an unknown charset, or
        # bytes that are not in the declared one (UnicodeDecodeError is a ValueError).
        raise web.HTTPBadRequest(
            text="The form could not be read: send it as application/x-www-form-urlencoded "
                 f"(UTF-8) or multipart/form-data ({type(error).__name__}).",
            content_type="text/plain",
        ) from None
    return {k: v for k, v in form.items() if isinstance(v, str)}


async def read_json_object(request: web.Request, limit: int | None = None) -> dict[str, Any]:
    """A request's JSON object body, or a 4xx saying what is wrong with it: the Content-Type, a body
    over `limit` (413, counted while reading), not JSON (NaN and Infinity are not JSON), not an
    object, or characters that cannot be stored (lone surrogates, NUL)."""
    limit = request.app._client_max_size if limit is None else limit
    content_type = request.headers.get("Content-Type", "").lower()
    if "json" not in content_type:
        raise json_error(web.HTTPUnsupportedMediaType, "Content-Type must be application/json")
    if request.content_length is not None and request.content_length > limit:
        raise body_too_large(limit)
    raw = bytearray()
    try:
        async for chunk in request.content.iter_chunked(16 * 1024):
            raw.extend(chunk)
            if len(raw) > limit:
                raise body_too_large(limit)
    except web.HTTPRequestEntityTooLarge:
        raise body_too_large(limit) from None
    try:
        body = json.loads(bytes(raw), parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise json_error(web.HTTPBadRequest, "the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise json_error(web.HTTPBadRequest, "the body must be a JSON object")
    try:
        # Lone surrogates or NUL characters cannot be stored or sent on: refuse them here.
        encoded = json.dumps(body, ensure_ascii=False)
        encoded.encode("utf-8")
    except (UnicodeEncodeError, ValueError, RecursionError):
        raise json_error(web.HTTPBadRequest, "the body contains invalid characters") from None
    if "\x00" in encoded or "\\u0000" in encoded:
        raise json_error(web.HTTPBadRequest, "the body contains invalid characters")
    return body


_UNREACHABLE = frozenset(
    {
        # asyncpg's names for "no database to talk to right now"
        "CannotConnectNowError",
        "AdminShutdownError",
        "ObjectNotInPrerequisiteStateError",  # the database is not accepting connections
        "ConnectionDoesNotExistError",
        "ConnectionFailureError",
        "TooManyConnectionsError",
        "InterfaceError",
    }
)


def database_unavailable(error: BaseException) -> bool:
    """Is this the database being unreachable (restarting, refusing connections, a dropped
    connection, an exhausted pool), as opposed to a query that is wrong or violates a rule?"""
    from sqlalchemy import exc

    if isinstance(error, (exc.OperationalError, exc.InterfaceError, exc.DisconnectionError)):
        return True
    if isinstance(error, exc.TimeoutError):  # the pool could not hand out a connection
        return True
    if isinstance(error, exc.DBAPIError):
        if error.connection_invalidated:
            return True
        return error.orig is not None and type(error.orig).__name__ in _UNREACHABLE
    if type(error).__module__.startswith("asyncpg") and type(error).__name__ in _UNREACHABLE:
        return True  # raised while connecting, before SQLAlchemy wraps anything
    return isinstance(error, (ConnectionError, OSError)) and not isinstance(error, FileNotFoundError)


@web.middleware
async def database_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    """While the database is unreachable, every request fails cleanly with a 503 and a reason;
    the pool reconnects by itself (pre-ping) once it is back, with no server restart."""
    try:
        response: web.StreamResponse = await handler(request)
        return response
    except web.HTTPException:
        raise
    except Exception as error:
        if isinstance(error, OSError) and error.errno == errno.ENAMETOOLONG:
            # a static file's name over the file system's limit: no such file, not the database
            raise json_error(web.HTTPNotFound, "no such file: the name is too long") from None
        if not database_unavailable(error):
            raise
        raise _unavailable() from None


def _unavailable() -> web.HTTPException:
    return web.HTTPServiceUnavailable(
        text=json.dumps({"error": "the database is unavailable; please try again shortly"}),
        content_type="application/json",
        headers={"Retry-After": "5"},
    )


@web.middleware
async def unstorable_parameters(request: web.Request, handler: Any) -> web.StreamResponse:
    """A path parameter or query value with a NUL character (or a lone surrogate) is refused with a
    400 naming it: PostgreSQL cannot take NUL in text, so a lookup by such an id would fail as a 500."""
    named = [(f"path parameter {name!r}", value) for name, value in request.match_info.items()]
    named += [(f"query parameter {name!r}", value) for name, value in request.query.items()]
    for what, value in named:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise json_error(web.HTTPBadRequest, f"the {what} contains invalid characters") from None
        if "\x00" in value:
            raise json_error(web.HTTPBadRequest, f"the {what} contains a NUL character")
    response: web.StreamResponse = await handler(request)
    return response


def client_address(request: web.Request) -> str:
    # The peer address, not X-Forwarded-For: a client could name any address there. Behind a
    # reverse proxy, configure it to pass the real address (aiohttp-remotes) before trusting it.
    return request.remote or "unknown"


class FailureLimiter:
    """Failed attempts per client address over a sliding window."""

    def __init__(self, limit: int = 10, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str, now: float) -> deque[float]:
        entries = self._failures.get(key)
        if entries is None:
            return deque()
        while entries and entries[0] <= now - self.window:
            entries.popleft()
        if not entries:
            del self._failures[key]
        return entries

    def retry_after(self, key: str, now: float | None = None) -> int | None:
        """Seconds to wait when `key` is over the limit, else None."""
        current = time.monotonic() if now is None else now
        entries = self._recent(key, current)
        if len(entries) < self.limit:
            return None
        return max(1, int(entries[0] + self.window - current) + 1)

    def record(self, key: str, now: float | None = None) -> None:
        current = time.monotonic() if now is None else now
        if len(self._failures) > 50_000:  # a flood from many addresses: forget the oldest half
            for stale in list(self._failures)[: len(self._failures) // 2]:
                del self._failures[stale]
        self._failures.setdefault(key, deque()).append(current)
