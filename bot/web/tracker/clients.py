"""The client contacts on the tracker, and a recruiter setting a client's booking page for them.

The form is flat text fields (a weekday's windows as "09:00-12:00, 13:00-17:00", a date override
per row, the rules as numbers); this module only turns them into the page's plain-dict form
(``scheduling.pages``) and the domain's field paths back onto the fields. What is valid is the
domain's to say (``BookingPage.from_dict`` via ``services.availability.set_page``): text that is
not a number or a time is handed on as typed, so its reason is the domain's too. Only what the
dict form cannot carry (a date listed twice, hours without a date) is refused here.

A change carries the version the form was read at; a page changed since is refused (409) and the
form comes back as typed, now against the current version, so saving again is a choice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from bot.web.http import SERVICES
from bot.web.tracker.client_policy import PolicyForm, policy_context
from bot.web.tracker.common import ZONES, page, posted, redirect, reports_of, signed_in
from bot.web.tracker.signin import Viewer
from scheduling.availability import by_local_day
from scheduling.intervals import Interval
from scheduling.pages import DAY_KEYS, BookingPage, InvalidPage, PageRules
from scheduling.zones import day_label, zone
from services import InvalidRequest, NotFound
from services.availability import preview_length
from services.client_policy import PolicyChanged

DAY_NAMES = dict(zip(DAY_KEYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                                "Sunday"), strict=True))
RULE_FIELDS = (
    ("durations_minutes", "Interview lengths (minutes)", "e.g. 30, 60"),
    ("buffer_before_minutes", "Free before each (minutes)", ""),
    ("buffer_after_minutes", "Free after each (minutes)", ""),
    ("min_notice_minutes", "Minimum notice (minutes)", "1440 is a day"),
    ("horizon_days", "Bookable up to (days ahead)", ""),
    ("max_per_day", "At most a day", "empty: no cap"),
    ("step_minutes", "Start times every (minutes)", "15, 30 or 60"),
)
BLANK_OVERRIDE_ROWS = 3
OFF_WORDS = frozenset({"", "off", "closed", "none", "-"})
_OVERRIDE_FIELD = re.compile(r"^overrides\.(\d{1,3})\.(date|hours)$")
_WINDOW_SPLIT = re.compile(r"[,;\n]")
_RANGE_SPLIT = re.compile(r"\s*(?:–|—|-|\bto\b)\s*")
_SHORT_HOUR = re.compile(r"^(\d):(\d\d)$")
_WHOLE = re.compile(r"^[+-]?\d{1,15}$")
_PATH_INDEX = re.compile(r"^\[(\d+)\](?:\.(start|end))?$")


def setup_client_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/tracker/clients", clients)
    r.add_get("/tracker/clients/{id}", client)
    r.add_post("/tracker/clients/{id}", save_client_page)
    r.add_post("/tracker/clients/{id}/policy", save_client_policy)


# The list --------------------------------------------------------------------------------------


async def clients(request: web.Request) -> web.Response:
    viewer = signed_in(request)
    try:
        number = max(int(request.query.get("page", "1")), 1)
    except ValueError:
        number = 1
    listing = await reports_of(request).clients(page=min(number, 100_000))
    return page(request, "tracker/clients.html", viewer, listing=listing,
                page_link=lambda n: f"/tracker/clients?page={n}")


# The form --------------------------------------------------------------------------------------


@dataclass
class PageForm:
    """The form's fields as typed (or as the stored page fills them), and each field's reasons."""

    values: dict[str, str]
    overrides: list[tuple[str, str]]  # (date, hours) rows
    errors: dict[str, list[str]] = field(default_factory=dict)

    def value(self, name: str) -> str:
        return self.values.get(name, "")

    def problems(self, name: str) -> list[str]:
        return self.errors.get(name, [])

    def fields_in_error(self) -> list[str]:
        """The fields with reasons, in the form's order (for the summary above it)."""
        order = ["version", "page", "zone", "weekly", *(f"weekly.{k}" for k in DAY_KEYS), "overrides",
                 *(f"overrides.{i}" for i in range(len(self.overrides))),
                 *(f"rules.{k}" for k, _, _ in RULE_FIELDS)]
        return sorted(self.errors, key=lambda name: order.index(name) if name in order else len(order))

    def add(self, name: str, reason: str) -> None:
        self.errors.setdefault(name, []).append(reason)

    @classmethod
    def of_page(cls, current: BookingPage | None, version: int | None, default_zone: str) -> PageForm:
        """The form filled from the stored page, or empty hours and the default rules."""
        rules = current.rules if current is not None else PageRules()
        values = {
            "version": str(version) if version is not None else "",
            "zone": current.zone if current is not None else default_zone,
            "rules.durations_minutes": ", ".join(str(m) for m in rules.durations_minutes),
            **{f"rules.{key}": "" if value is None else str(value)
               for key, value in rules.to_dict().items() if key != "durations_minutes"},
        }
        overrides: list[tuple[str, str]] = []
        if current is not None:
            for i, key in enumerate(DAY_KEYS):
                values[f"weekly.{key}"] = ", ".join(_window_text(w.to_dict()) for w in current.weekly.on(i))
            overrides = [
                (day.isoformat(), ", ".join(_window_text(w.to_dict()) for w in windows) or "off")
                for day, windows in current.overrides.items()
            ]
        return cls(values, overrides)

    @classmethod
    def of_post(cls, form: Mapping[str, str]) -> PageForm:
        names = ("version", "zone", *(f"weekly.{k}" for k in DAY_KEYS),
                 *(f"rules.{k}" for k, _, _ in RULE_FIELDS))
        values = {name: form.get(name, "").strip() for name in names}
        rows: dict[int, dict[str, str]] = {}
        for name, value in form.items():
            match = _OVERRIDE_FIELD.match(name)
            if match:
                rows.setdefault(int(match[1]), {})[match[2]] = value.strip()
        overrides = [(rows[i].get("date", ""), rows[i].get("hours", "")) for i in sorted(rows)]
        return cls(values, [row for row in overrides if row != ("", "")])

    def override_rows(self) -> list[tuple[str, str]]:
        """The rows shown: those typed or stored, and a few blank ones to add more."""
        return [*self.overrides, *[("", "")] * BLANK_OVERRIDE_ROWS]

    # --- to the page's dict form, and its problems back -----------------------------------

    def to_page(self) -> dict[str, Any]:
        """The page's plain-dict form; rows the dict cannot carry are reasons on their fields."""
        weekly = {key: _windows(self.value(f"weekly.{key}")) for key in DAY_KEYS}
        overrides: dict[str, list[dict[str, str]]] = {}
        for i, (day, hours) in enumerate(self.overrides):
            if not day:
                self.add(f"overrides.{i}", "give the date these hours are for (YYYY-MM-DD)")
            elif day in overrides:
                self.add(f"overrides.{i}", f"{day} is listed twice — keep one row for it")
            else:
                overrides[day] = _windows(hours)
        rules: dict[str, Any] = {
            "durations_minutes": [_number(m) for m in _lengths(self.value("rules.durations_minutes"))],
        }
        for key, _, _ in RULE_FIELDS[1:]:
            typed = self.value(f"rules.{key}")
            rules[key] = None if key == "max_per_day" and not typed else _number(typed)
        data: dict[str, Any] = {"zone": self.value("zone"), "weekly": weekly, "overrides": overrides,
                                "rules": rules}
        if self.value("version"):
            data["version"] = _number(self.value("version"))
        return data

    def place(self, problems: Mapping[str, str]) -> None:
        """Each domain problem, by its field path, next to the field it came from."""
        rows = {day: i for i, (day, _) in reversed(list(enumerate(self.overrides)))}
        for path, reason in problems.items():
            name, rest = _field_of(path, rows)
            if name == "rules.max_per_day":
                reason = reason.replace("or null for no cap", "or left empty for no cap")
            self.add(name, self._where(name, rest) + reason)

    def _where(self, name: str, rest: str) -> str:
        """What part of a field a reason is about: "13:00-12:00: …", "the 2nd length (abc): …"."""
        match = _PATH_INDEX.match(rest)
        if match is None:
            return ""
        index, part = int(match[1]), match[2]
        if name == "rules.durations_minutes":
            typed = _lengths(self.value(name))
            return f"{_short(typed[index])}: " if index < len(typed) else ""
        if name.startswith("weekly."):
            text = self.value(name)
        elif name.startswith("overrides."):
            text = self.overrides[int(name.split(".")[1])][1]
        else:
            return ""
        pieces = [p.strip() for p in _WINDOW_SPLIT.split(text) if p.strip()]
        shown = _short(pieces[index]) if index < len(pieces) else f"window {index + 1}"
        return f"{shown}, the {part}: " if part else f"{shown}: "


def _field_of(path: str, rows: Mapping[str, int]) -> tuple[str, str]:
    """(form field, the rest of the path) of a domain field path."""
    if path.startswith("weekly.") and path[7:10] in DAY_KEYS:
        return f"weekly.{path[7:10]}", path[10:]
    if path.startswith("overrides["):
        key, _, rest = path[len("overrides["):].partition("]")
        return (f"overrides.{rows[key]}", rest) if key in rows else ("overrides", "")
    if path.startswith("rules.durations_minutes"):
        return "rules.durations_minutes", path[len("rules.durations_minutes"):]
    if path.startswith("rules.") and path[6:] in {k for k, _, _ in RULE_FIELDS}:
        return path, ""
    if path in ("zone", "weekly", "overrides", "version"):
        return path, ""
    return "page", ""


def _short(typed: str) -> str:
    """Typed text as a reason quotes it: a long paste is cut, the field itself still holds it all."""
    return typed if len(typed) <= 40 else typed[:39] + "…"


def _lengths(text: str) -> list[str]:
    return [m for m in re.split(r"[\s,;]+", text) if m]


def _window_text(window: Mapping[str, str]) -> str:
    return f"{window['start']}-{window['end']}"


def _windows(text: str) -> list[dict[str, str]]:
    """ "09:00-12:00, 13:00-17:00" as windows; "", "off": none. A piece that is not a range is
    handed on as its start, so the domain names what is missing."""
    if text.strip().lower() in OFF_WORDS:
        return []
    windows = []
    for piece in _WINDOW_SPLIT.split(text):
        piece = piece.strip()
        if not piece:
            continue
        parts = _RANGE_SPLIT.split(piece, maxsplit=1)
        window = {"start": _clock(parts[0])}
        if len(parts) == 2:
            window["end"] = _clock(parts[1])
        windows.append(window)
    return windows


def _clock(text: str) -> str:
    # "9:00" is how many people write 09:00; the domain reads "HH:MM" only.
    text = text.strip().replace(".", ":")
    match = _SHORT_HOUR.match(text)
    return f"0{match[1]}:{match[2]}" if match else text


def _number(text: str) -> int | str:
    """A whole number, or the text as typed for the domain to refuse with its reason."""
    return int(text) if _WHOLE.match(text.strip()) else text


# The client's page -----------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenDay:
    label: str
    times: list[str]


def _open_days(times: list[Interval], zone_name: str) -> list[OpenDay]:
    tz = zone(zone_name)
    return [
        OpenDay(day_label(group[0].start.astimezone(tz)), [f"{t.start.astimezone(tz):%H:%M}" for t in group])
        for _, group in by_local_day(times, zone_name)
    ]


class ZoneTimes:
    """Times as the client reads them, in their page's zone (the tracker's Times, fixed zone)."""

    def __init__(self, zone_name: str) -> None:
        self.zone = zone_name

    def short(self, value: datetime | None) -> str:
        if value is None:
            return "—"
        local = value.astimezone(zone(self.zone))
        return f"{day_label(local)} {local:%H:%M} {local.tzname() or ''}".rstrip()

    def span(self, start: datetime, end: datetime) -> str:
        tz = zone(self.zone)
        a, b = start.astimezone(tz), end.astimezone(tz)
        return f"{day_label(a)} {a:%H:%M}–{b:%H:%M} {b.tzname() or ''}".rstrip()


def _label_of(name: str, form: PageForm) -> str:
    """A form field as the error summary names it."""
    if name.startswith("weekly."):
        return DAY_NAMES.get(name[7:], name)
    if name.startswith("overrides."):
        row = int(name.split(".")[1])
        day = form.overrides[row][0] if row < len(form.overrides) else ""
        return f"Date set apart {day}".rstrip() if day else f"Date set apart, row {row + 1}"
    rules = {f"rules.{key}": label for key, label, _ in RULE_FIELDS}
    fixed = {"zone": "Time zone", "weekly": "Weekly hours", "overrides": "Dates set apart",
             "version": "Version", "page": "The page"}
    return rules.get(name) or fixed.get(name, name)


def _not_found(request: web.Request, viewer: Viewer) -> web.Response:
    return page(request, "tracker/message.html", viewer, status=404, title="Not found",
                message="There is no client contact with that id.")


async def client(request: web.Request) -> web.Response:
    viewer = signed_in(request)
    return await _client_page(request, viewer)


async def _client_page(
    request: web.Request, viewer: Viewer, *, form: PageForm | None = None, status: int = 200,
    conflict: str | None = None, policy_form: PolicyForm | None = None,
    policy_conflict: str | None = None,
) -> web.Response:
    client_id = request.match_info["id"]
    detail = await reports_of(request).client(client_id)
    if detail is None:
        return _not_found(request, viewer)
    availability = request.app[SERVICES].availability
    try:
        latest = await availability.page(client_id)
        times = await availability.preview(client_id, of=latest[1]) if latest else []
        policy = await policy_context(request, client_id, policy_form, policy_conflict)
    except NotFound:  # erased between the two reads
        return _not_found(request, viewer)
    version, current = latest if latest else (None, None)
    zone_name = current.zone if current is not None else detail.client.zone
    shown = form or PageForm.of_page(current, version, detail.client.zone)
    saved = request.query.get("saved", "")
    return page(
        request, "tracker/client.html", viewer, status=status, d=detail, c=detail.client,
        current=current, version=version, described=current.describe() if current else [],
        open_days=_open_days(times, zone_name), open_count=len(times),
        preview_minutes=preview_length(current) // timedelta(minutes=1) if current else None,
        zt=ZoneTimes(zone_name), zone_name=zone_name, form=shown, day_names=DAY_NAMES,
        rule_fields=RULE_FIELDS, zones=ZONES, conflict=conflict, label_of=lambda name: _label_of(name, shown),
        saved=saved if saved.isdigit() and form is None else None, **policy,
    )


async def save_client_page(request: web.Request) -> web.Response:
    viewer, posted_form = await posted(request)
    client_id = request.match_info["id"]
    form = PageForm.of_post(posted_form)
    data = form.to_page()
    availability = request.app[SERVICES].availability
    try:
        latest = await availability.page(client_id)
    except NotFound:
        return _not_found(request, viewer)
    read_at = data.get("version")
    if read_at is None and latest is not None:
        # The form was read before the client had a page; the service replaces a page when no
        # version is sent, so whether it is still the first one is checked here.
        return await _stale(request, viewer, form, latest[0])
    if form.errors:
        # The form's own reasons (a date listed twice), and the domain's for everything else.
        try:
            BookingPage.from_dict(data)
        except InvalidPage as error:
            form.place(error.problems)
        return await _client_page(request, viewer, form=form, status=422)
    try:
        stored, _ = await availability.set_page(client_id, data, by=_who(viewer), first=read_at is None)
    except NotFound:
        return _not_found(request, viewer)
    except InvalidRequest as error:
        if set(error.problems) == {"version"}:
            now_at = await availability.page(client_id)
            if now_at is not None and now_at[0] != read_at:
                return await _stale(request, viewer, form, now_at[0])
        form.place(error.problems)
        return await _client_page(request, viewer, form=form, status=422)
    # The fragment names the confirmation: without one the browser would keep the form's #edit.
    return redirect(f"/tracker/clients/{client_id}?saved={stored}#saved", status=303)


async def _stale(request: web.Request, viewer: Viewer, form: PageForm, current: int) -> web.Response:
    typed = form.value("version")
    form.values["version"] = str(current)
    message = (
        f"Not saved: someone changed this booking page while you edited it (it is at version {current} "
        f"now{', you read version ' + typed if typed else ', you read it before it had one'}). "
        "Your changes are still in this form; compare them with the booking page as it is now "
        "(at the top) and save again to replace it."
    )
    return await _client_page(request, viewer, form=form, status=409, conflict=message)


async def save_client_policy(request: web.Request) -> web.Response:
    """The client's policy overrides from the form: stored as the next version, or the page again
    with each field's reason (422) or, changed meanwhile, the typed form against it (409)."""
    viewer, posted_form = await posted(request)
    client_id = request.match_info["id"]
    form = PolicyForm.of_post(posted_form)
    policies = request.app[SERVICES].policies
    try:
        stored = await policies.set(client_id, form.to_data(), by=_who(viewer))
    except NotFound:
        return _not_found(request, viewer)
    except PolicyChanged as error:
        typed, form.values["version"] = form.value("version"), str(error.current)
        message = (
            f"Not saved: someone changed this client's policy while you edited it (it is at version "
            f"{error.current} now, you read version {typed}). Your changes are still in this form; "
            "compare them with the policy as it is now and save again to replace it."
        )
        return await _client_page(request, viewer, policy_form=form, status=409, policy_conflict=message)
    except InvalidRequest as error:
        form.place(error.problems)
        return await _client_page(request, viewer, policy_form=form, status=422)
    return redirect(f"/tracker/clients/{client_id}?policy_saved={stored}#policy", status=303)


def _who(viewer: Viewer) -> str:
    """Who set a page, as ``booking_pages.created_by`` records it: the recruiter's party when our
    records know them (so the history shows their name), else the name they signed in with."""
    if viewer.party_id:
        return viewer.party_id
    return f"{viewer.user or 'a recruiter'} on the tracker"


__all__ = ["PageForm", "setup_client_routes"]
