"""A client's policy on the tracker's client page: the form of their overrides of the agency's
policy, what results, and the versions (who changed it, when, what).

The form is one text field per policy field (``scheduling.policy.FIELDS``); an empty field is the
agency's value (shown as the placeholder). What is valid is the domain's to say
(``services.client_policy``): the typed text is handed on as it is, and each reason comes back
next to its field (422, nothing stored). The form carries the version it was read at; a policy
changed meanwhile is refused (409) with the typed form kept, now against the current version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.web.http import SERVICES
from scheduling.policy import BY_NAME, FIELDS
from services.client_policy import ClientPolicyView

__all__ = ["PolicyForm", "policy_context"]


@dataclass
class PolicyForm:
    """The policy form's fields as typed (or as the stored overrides fill them), with reasons."""

    values: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)

    def value(self, name: str) -> str:
        return self.values.get(name, "")

    def problems(self, name: str) -> list[str]:
        return self.errors.get(name, [])

    def add(self, name: str, reason: str) -> None:
        self.errors.setdefault(name, []).append(reason)

    def fields_in_error(self) -> list[str]:
        order = ["version", "policy", *(f.name for f in FIELDS)]
        return sorted(self.errors, key=lambda n: order.index(n) if n in order else len(order))

    @classmethod
    def of_view(cls, view: ClientPolicyView) -> PolicyForm:
        values = {f.name: str(view.overrides[f.name]) for f in FIELDS if f.name in view.overrides}
        values["version"] = str(view.version or 0)
        return cls(values)

    @classmethod
    def of_post(cls, form: Mapping[str, str]) -> PolicyForm:
        return cls({name: form.get(name, "").strip() for name in ("version", *(f.name for f in FIELDS))})

    def to_data(self) -> dict[str, Any]:
        """What the use case takes: the fields typed, as typed, and the version read."""
        data: dict[str, Any] = {f.name: self.value(f.name) for f in FIELDS if self.value(f.name)}
        typed = self.value("version")
        data["version"] = int(typed) if typed.isdigit() and len(typed) < 10 else typed
        return data

    def place(self, problems: Mapping[str, str]) -> None:
        for name, reason in problems.items():
            self.add(name if name in BY_NAME or name == "version" else "policy", reason)


def label_of(name: str) -> str:
    known = BY_NAME.get(name)
    return known.label if known is not None else {"version": "Version"}.get(name, "The policy")


async def policy_context(
    request: web.Request, client_id: str, form: PolicyForm | None, conflict: str | None
) -> dict[str, Any]:
    """What the client page's policy section shows."""
    view = await request.app[SERVICES].policies.of(client_id)
    shown = form or PolicyForm.of_view(view)
    saved = request.query.get("policy_saved", "")
    return {
        "policy": view, "pform": shown, "policy_fields": FIELDS, "policy_conflict": conflict,
        "policy_label_of": label_of,
        "policy_saved": saved if saved.isdigit() and form is None else None,
    }
