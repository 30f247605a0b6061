"""The wheel as it ships, unpacked (built once per session by tests/packaging/conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message
from email.parser import Parser
from pathlib import Path


@dataclass(frozen=True)
class BuiltWheel:
    path: Path
    unpacked: Path
    build_output: str

    def metadata(self) -> Message:
        (info,) = self.unpacked.glob("*.dist-info")
        return Parser().parsestr((info / "METADATA").read_text(encoding="utf-8"))

    def top_level_packages(self) -> list[str]:
        (info,) = self.unpacked.glob("*.dist-info")
        return sorted((info / "top_level.txt").read_text(encoding="utf-8").split())
