"""Building blocks shared by the card builders: plain dicts in Adaptive Card 1.5 shape.

Every card is built as Python data and serialised once by the SDK: no text is ever spliced into
JSON. Text typed by people (reasons, impressions, proposed windows) goes into a ``TextRun``,
which renderers never treat as markdown. A TextBlock and an activity's ``text`` are markdown, so a
name, role title or organisation interpolated into one goes through ``md`` first: a candidate
called ``Asha](https://evil.example) [Verify`` reads as typed instead of becoming a link.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from cards.i18n import tr

SCHEMA_URL = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.5"
# Teams refuses a message larger than about 28 KB, card included.
TEAMS_MAX_CARD_BYTES = 28 * 1024

Card = dict[str, Any]
Element = dict[str, Any]
Action = dict[str, Any]

# Common IANA zones for pickers. Adaptive Cards 1.5 has no free-text entry in a ChoiceSet, so the
# list covers the agency's usual markets; a party's own zone is added when it is not here.
COMMON_ZONES: tuple[str, ...] = (
    "UTC",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Amsterdam",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Zurich",
    "Europe/Stockholm",
    "Europe/Warsaw",
    "Europe/Athens",
    "Europe/Helsinki",
    "Europe/Istanbul",
    "Europe/Moscow",
    "Africa/Lagos",
    "Africa/Johannesburg",
    "Africa/Cairo",
    "Africa/Nairobi",
    "Asia/Dubai",
    "Asia/Karachi",
    "Asia/Kolkata",
    "Asia/Dhaka",
    "Asia/Bangkok",
    "Asia/Singapore",
    "Asia/Hong_Kong",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Australia/Perth",
    "Australia/Adelaide",
    "Australia/Brisbane",
    "Australia/Sydney",
    "Pacific/Auckland",
    "Pacific/Honolulu",
    "America/Anchorage",
    "America/Los_Angeles",
    "America/Phoenix",
    "America/Denver",
    "America/Chicago",
    "America/Mexico_City",
    "America/New_York",
    "America/Toronto",
    "America/Halifax",
    "America/St_Johns",
    "America/Bogota",
    "America/Sao_Paulo",
    "America/Argentina/Buenos_Aires",
)


# Everything CommonMark (and the subset Teams and Web Chat render) gives a meaning inline; each
# is backslash-escaped, which those renderers show as the bare character. "-", "+", "." and
# digits mean something only where a line starts, so only a value's start is escaped for them.
_MD_INLINE = re.compile(r"([\\`*_{}\[\]()<>#~|!&])")
_MD_LINE_START = re.compile(r"^(?:([-+=])|(\d+)([.)]))")
_LINE_BREAKS = re.compile(r"\s*[\r\n\u2028\u2029]+\s*")
_MD_UNESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def md(value: object) -> str:
    """``value`` (a name, role title, organisation, zone, anything people typed) made literal for
    markdown: our own wording around it keeps its ``**bold**``, the value gets none and no link.

    Line breaks become spaces and the ends are trimmed (a value is part of one sentence; a break
    could start a list or a heading, leading spaces a code block); every other character shows
    exactly as typed.
    """
    escaped = _MD_INLINE.sub(r"\\\1", _LINE_BREAKS.sub(" ", str(value)).strip())
    return _MD_LINE_START.sub(
        lambda m: "\\" + m.group(1) if m.group(1) else m.group(2) + "\\" + m.group(3), escaped
    )


def md_plain(markdown: str) -> str:
    """Our markdown as plain text, for e-mail: the ``**`` we put in are dropped and the escapes
    ``md`` added are undone, so a name reads there exactly as typed."""
    parts = re.split(r"(\\[!-/:-@\[-`{-~])", markdown)
    return "".join(p[1] if _MD_UNESCAPE.fullmatch(p) else p.replace("**", "") for p in parts)


def card(body: Sequence[Element], actions: Sequence[Action] = (), *, fallback: str | None = None) -> Card:
    result: Card = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA_URL,
        "version": CARD_VERSION,
        "body": list(body),
    }
    if actions:
        result["actions"] = list(actions)
    if fallback:
        result["fallbackText"] = fallback
    return result


def sub_card(body: Sequence[Element], actions: Sequence[Action] = ()) -> Card:
    """A card inside an Action.ShowCard (no version or $schema of its own)."""
    result: Card = {"type": "AdaptiveCard", "body": list(body)}
    if actions:
        result["actions"] = list(actions)
    return result


def heading(text: str) -> Element:
    return {"type": "TextBlock", "text": text, "wrap": True, "size": "Large", "weight": "Bolder",
            "style": "heading"}


def text(value: str, **style: Any) -> Element:
    """Our own wording; may use the small markdown subset cards support."""
    return {"type": "TextBlock", "text": value, "wrap": True, **style}


def subtle(value: str) -> Element:
    return text(value, isSubtle=True, size="Small")


def attention(value: str) -> Element:
    return text(value, color="Attention", weight="Bolder")


def plain(value: str, *, italic: bool = False, color: str | None = None) -> Element:
    """Text someone typed, shown literally: a TextRun is never read as markdown."""
    run: Element = {"type": "TextRun", "text": value}
    if italic:
        run["italic"] = True
    if color:
        run["color"] = color
    return {"type": "RichTextBlock", "inlines": [run]}


def bullets(lines: Iterable[str]) -> Element:
    return text("\n".join(f"- {line}" for line in lines))


def facts(pairs: Iterable[tuple[str, str]]) -> Element:
    """Labelled values, one line each: the label in bold, the value after it, wrapping between
    words like running text. Pairs without a value are left out.

    Not a FactSet: renderers lay one out as a table whose label column shrinks to fit the values,
    and Web Chat lets text in a message break inside words, so on a phone the labels came out as
    "Durat/ion". A line of two TextRuns wraps only between words, in Teams and in Web Chat, and
    a TextRun is never read as markdown, so a name cannot turn into a link either.
    """
    return container(
        [
            {
                "type": "RichTextBlock",
                "inlines": [
                    {"type": "TextRun", "text": f"{title}:", "weight": "Bolder"},
                    {"type": "TextRun", "text": f" {value}"},
                ],
                "spacing": "None" if i else "Default",
            }
            for i, (title, value) in enumerate((t, v) for t, v in pairs if v)
        ]
    )


def container(items: Sequence[Element], **props: Any) -> Element:
    return {"type": "Container", "items": list(items), **props}


def action_set(actions: Sequence[Action], **props: Any) -> Element:
    return {"type": "ActionSet", "actions": list(actions), **props}


def submit(title: str, data: Mapping[str, str], **props: Any) -> Action:
    """The only kind of button that posts back: Web Chat does not support Action.Execute."""
    return {"type": "Action.Submit", "title": title, "data": dict(data), **props}


def open_url(title: str, url: str) -> Action:
    return {"type": "Action.OpenUrl", "title": title, "url": url}


def show_card(title: str, inner: Card) -> Action:
    return {"type": "Action.ShowCard", "title": title, "card": inner}


def verb(action: str, interview_id: str, **extra: str) -> dict[str, str]:
    """The data of a submit: the verb the dialogs dispatch on and the interview it is about."""
    return {"action": action, "interview_id": interview_id, **extra}


def input_text(
    input_id: str,
    label: str,
    *,
    value: str | None = None,
    required: bool = False,
    error: str | None = None,
    placeholder: str | None = None,
    multiline: bool = False,
    style: str | None = None,
    max_length: int | None = None,
) -> Element:
    element: Element = {"type": "Input.Text", "id": input_id, "label": label}
    if value:
        element["value"] = value
    if placeholder:
        element["placeholder"] = placeholder
    if multiline:
        element["isMultiline"] = True
    if style:
        element["style"] = style
    if max_length:
        element["maxLength"] = max_length
    _required(element, required, error or f"Please fill in {label.lower()}.")
    return element


def input_choice(
    input_id: str,
    label: str,
    choices: Iterable[tuple[str, str]],
    *,
    value: str | None = None,
    required: bool = False,
    error: str | None = None,
    style: str = "compact",
    placeholder: str | None = None,
    wrap: bool = False,
) -> Element:
    """A ChoiceSet from (value, title) pairs. ``wrap`` (1.2): long titles wrap instead of being
    cut off (the expanded style's radio labels)."""
    element: Element = {
        "type": "Input.ChoiceSet",
        "id": input_id,
        "label": label,
        "style": style,
        "choices": [{"title": title, "value": v} for v, title in choices],
    }
    if wrap:
        element["wrap"] = True
    if value:
        element["value"] = value
    if placeholder:
        element["placeholder"] = placeholder
    _required(element, required, error or f"Please choose {label.lower()}.")
    return element


def input_date(input_id: str, label: str, *, value: str | None = None, required: bool = False,
               error: str | None = None) -> Element:
    element: Element = {"type": "Input.Date", "id": input_id, "label": label}
    if value:
        element["value"] = value
    _required(element, required, error or f"Please pick {label.lower()}.")
    return element


def input_time(input_id: str, label: str, *, value: str | None = None, required: bool = False,
               error: str | None = None) -> Element:
    element: Element = {"type": "Input.Time", "id": input_id, "label": label}
    if value:
        element["value"] = value
    _required(element, required, error or f"Please pick {label.lower()}.")
    return element


def _required(element: Element, required: bool, error: str) -> None:
    if required:
        element["isRequired"] = True
        element["errorMessage"] = error


def zone_choices(*also: str | None) -> list[tuple[str, str]]:
    """The common zones as (value, title), with any of ``also`` not among them put first."""
    extra = [z.strip() for z in also if z and z.strip() and z.strip() not in COMMON_ZONES]
    names = list(dict.fromkeys(extra)) + list(COMMON_ZONES)
    return [(name, name.replace("_", " ")) for name in names]


def zone_picker(input_id: str, label: str, *, value: str | None = None, required: bool = True,
                lang: str = "en") -> Element:
    return input_choice(
        input_id,
        label,
        zone_choices(value),
        value=value,
        required=required,
        error=f"Please choose {label.lower()}." if lang == "en" else tr(lang, "Please choose a time zone."),
        # "filtered" (1.5) lets people type to narrow a long list; a value outside it is not possible.
        style="filtered",
        placeholder=tr(lang, "Type to search, e.g. London"),
    )


def field_problems(problems: Mapping[str, str] | None, labels: Mapping[str, str]) -> list[Element]:
    """A red block at the top listing each problem with the field it belongs to."""
    if not problems:
        return []
    lines = [
        f"{labels.get(key, key.replace('_', ' ').capitalize())}: {message}"
        for key, message in problems.items()
    ]
    return [
        container(
            [attention("Please fix these and send again:"),
             *(plain(line, color="Attention") for line in lines)],
            style="attention",
        )
    ]
