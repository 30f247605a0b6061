"""``python -m bench [names...]`` (``make bench``): run the benchmarks, print one markdown table
with the machine it ran on, and write it to ``bench/results.md``.

Names: turns, startup, slots, jobs, tracker (the last only if ``bench/bench_tracker.py`` exists), codec,
instructions, phrases, open_times.
Default: all. ``python -m bench NAME --json`` runs one benchmark and prints one JSON object (its
``report(rows)`` if it has one, else its rows) instead of the table. Each benchmark module has
``run() -> list[dict]`` and may have
``summarize(rows) -> list[(case, result, target)]``; rows of the others are shown as they are.

Numbers depend on the machine and on what else runs on it: compare figures from one run only.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import fmt, machine_line

BENCHMARKS = (
    "turns", "startup", "slots", "jobs", "tracker", "codec", "instructions", "phrases", "open_times",
)
RESULTS = Path(__file__).resolve().parent / "results.md"


def _generic(name: str, rows: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    lines = []
    for row in rows:
        if "skipped" in row:
            case = ", ".join(f"{k}={fmt(v)}" for k, v in row.items() if k != "skipped")
            lines.append((case, f"skipped: {row['skipped']}", ""))
            continue
        keys = [k for k, v in row.items() if not isinstance(v, (list, dict))]
        case_keys = [k for k in keys if isinstance(row[k], str)][:2] or keys[:1]
        case = ", ".join(f"{row[k]}" for k in case_keys)
        result = " · ".join(
            f"{k.replace('_', ' ')} {fmt(row[k], 2)}"
            for k in keys
            if k not in case_keys and row[k] is not None
        )
        lines.append((case, result, ""))
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _json(name: str) -> int:
    """One benchmark's one JSON object on stdout (progress, and its table's lines, on stderr)."""
    module = importlib.import_module(f"bench.bench_{name}")
    rows = module.run()
    summarize = getattr(module, "summarize", None)
    for case, result, target in summarize(rows) if summarize else _generic(name, rows):
        print(f"| {name} | {_cell(case)} | {_cell(result)} | {_cell(target)} |", file=sys.stderr)
    report = getattr(module, "report", None)
    print(json.dumps(report(rows) if report else {"rows": rows}, indent=2, ensure_ascii=False, default=str))
    return 0


def main(argv: list[str]) -> int:
    flags = [a for a in argv if a.startswith("--")]
    argv = [a for a in argv if not a.startswith("--")]
    if flags:
        if flags != ["--json"] or len(argv) != 1:
            print("usage: python -m bench [names...] | python -m bench NAME --json", file=sys.stderr)
            return 2
    names = argv or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    if flags:
        return _json(names[0])
    machine = machine_line()
    print(f"machine: {machine}", file=sys.stderr)
    table: list[tuple[str, str, str, str]] = []
    failed = False
    for name in names:
        module_name = f"bench.bench_{name}"
        if importlib.util.find_spec(module_name) is None:
            table.append((name, "", "not run: " + f"{module_name} does not exist (yet)", ""))
            continue
        print(f"running {name}...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        try:
            module = importlib.import_module(module_name)  # lazily: each only when asked for
            rows = module.run()
            summarize = getattr(module, "summarize", None)
            lines = summarize(rows) if summarize else _generic(name, rows)
        except Exception as error:  # noqa: BLE001 - one failing benchmark must not hide the others
            traceback.print_exc()
            table.append((name, "", f"FAILED: {type(error).__name__}: {error}", ""))
            failed = True
            continue
        print(f"  {name} took {time.perf_counter() - started:.0f} s", file=sys.stderr)
        table.extend((name, case, result, target) for case, result, target in lines)

    out = [
        f"Benchmarks run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on: {machine}",
        "",
        "| benchmark | case | result | target |",
        "|---|---|---|---|",
        *(f"| {' | '.join(_cell(c) for c in row)} |" for row in table),
    ]
    text = "\n".join(out) + "\n"
    print(text)
    RESULTS.write_text(text)
    print(f"written to {RESULTS}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
