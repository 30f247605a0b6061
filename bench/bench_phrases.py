"""Benchmark of the free-text time parser (``scheduling.phrases``) over the labelled corpus.

Not a test: ``python -m bench phrases`` (or ``python -m bench.bench_phrases``). Reports

- the first-use cost of each language's recognizer model: in a fresh interpreter per language
  (the recognizer caches models per process), the import of ``scheduling.phrases`` (which does
  not import the recognizer), of ``recognizers_date_time``, then ``warm_up([language])``, the
  median of a few processes;
- the time to parse one sentence after warm-up: every phrase of tests/scheduling/time_phrases.py
  parsed several times, the median per sentence, then the median and p95 over sentences, per
  language (target: median under 20 ms);
- the corpus' accuracy per language: the share of phrases whose windows satisfy every labelled
  instant (the phrases marked xfail included, as failures).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from datetime import timedelta
from typing import Any

from bench.common import ROOT, percentile

LANGUAGES = ("en", "es", "fr")
BUILD_PROCESSES = 3
PARSES_PER_SENTENCE = 5
TARGET_MS = 20.0

_BUILD = """
import json, time
started = time.perf_counter()
from scheduling.phrases import warm_up
imported = time.perf_counter()
import recognizers_date_time
library = time.perf_counter()
warm_up([{language!r}])
built = time.perf_counter()
print(json.dumps({{
    "import_s": imported - started, "library_s": library - imported, "build_s": built - library,
}}))
"""


def _first_use(language: str) -> dict[str, float]:
    runs = []
    for _ in range(BUILD_PROCESSES):
        out = subprocess.run(
            [sys.executable, "-c", _BUILD.format(language=language)],
            cwd=str(ROOT), capture_output=True, text=True, check=True, timeout=300,
        )
        runs.append(json.loads(out.stdout))
    return {key: statistics.median(run[key] for run in runs) for key in ("import_s", "library_s", "build_s")}


def run() -> list[dict[str, Any]]:
    from scheduling.phrases import parse_times, warm_up
    from tests.scheduling.time_phrases import CORPUS

    rows: list[dict[str, Any]] = []
    for language in LANGUAGES:
        cost = _first_use(language)
        rows.append({"case": f"first use, {language}", "language": language, **cost})

    warm_up(LANGUAGES)
    per_sentence: dict[str, list[float]] = defaultdict(list)
    right: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    for phrase in CORPUS:
        now = phrase.now_utc()
        duration = timedelta(minutes=phrase.duration) if phrase.duration else None
        samples = []
        result = None
        for _ in range(PARSES_PER_SENTENCE):
            started = time.perf_counter()
            result = parse_times(
                phrase.text, zone=phrase.zone, now=now, locale=phrase.locale, duration=duration
            )
            samples.append((time.perf_counter() - started) * 1000)
        assert result is not None
        per_sentence[phrase.language].append(statistics.median(samples))
        total[phrase.language] += 1
        right[phrase.language] += not phrase.judge(result.windows, result.problems)

    for language in (*LANGUAGES, "all"):
        if language == "all":
            times = [t for values in per_sentence.values() for t in values]
        else:
            times = per_sentence[language]
        count = sum(total.values()) if language == "all" else total[language]
        correct = sum(right.values()) if language == "all" else right[language]
        rows.append(
            {
                "case": f"parse, {language}",
                "language": language,
                "sentences": count,
                "median_ms": statistics.median(times),
                "p95_ms": percentile(times, 95),
                "max_ms": max(times),
                "accuracy": correct / count,
                "correct": correct,
            }
        )
    return rows


def summarize(rows: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    lines = []
    for row in rows:
        if "build_s" in row:
            lines.append(
                (
                    row["case"],
                    f"model build {row['build_s'] * 1000:.0f} ms, after importing "
                    f"recognizers_date_time {row['library_s'] * 1000:.0f} ms and scheduling.phrases "
                    f"{row['import_s'] * 1000:.0f} ms; median of {BUILD_PROCESSES} fresh processes",
                    "once per process, off the event loop",
                )
            )
        else:
            lines.append(
                (
                    row["case"],
                    f"median {row['median_ms']:.1f} ms · p95 {row['p95_ms']:.1f} ms · "
                    f"max {row['max_ms']:.1f} ms per sentence over {row['sentences']}; "
                    f"accuracy {row['accuracy']:.1%} "
                    f"({row['correct']}/{row['sentences']})",
                    f"median < {TARGET_MS:.0f} ms",
                )
            )
    return lines


def _main() -> None:
    for case, result, target in summarize(run()):
        print(f"{case:<16} {result}  [{target}]")


if __name__ == "__main__":
    _main()
