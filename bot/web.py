"""Small HTTP helpers shared by every page and API: templates, JSON errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot import __version__

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"


def make_templates() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        enable_async=False,
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
