"""What a plain install gets: the files, the declared dependencies, and a Teams package builder that
works from the wheel alone, outside the source tree, without the dev extras."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from functools import cache
from importlib.metadata import PackageNotFoundError, distribution, distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from manifest.builder import build_package, inputs_from
from tests.helpers.environment import ROOT
from tests.helpers.wheel import BuiltWheel

APP_ID = "2f1a4c3e-8b7d-4e6f-9a0b-1c2d3e4f5a6b"
PUBLIC_URL = "https://askarsan.example.com"
# Imported only on a path that says how to install them when they are missing (the extra's name).
OPTIONAL = {"jsonschema": "manifest-schema", "referencing": "manifest-schema"}


def requirements(wheel: BuiltWheel) -> list[Requirement]:
    return [Requirement(line) for line in wheel.metadata().get_all("Requires-Dist") or []]


def declared(wheel: BuiltWheel, extra: str | None) -> set[str]:
    """The distributions a plain install gets (``extra=None``), or that one extra adds."""
    names = set()
    for requirement in requirements(wheel):
        marker = requirement.marker
        plain = marker is None or marker.evaluate({"extra": ""})
        wanted = plain if extra is None else (not plain and marker.evaluate({"extra": extra}))
        if wanted:
            names.add(canonicalize_name(requirement.name))
    return names


@cache
def _owners_by_path() -> dict[str, frozenset[str]]:
    """'a' and 'a/b' (the first one or two parts of every installed file's path) -> distributions.
    Two parts tell apart the distributions that share a namespace (azure.core, botbuilder.schema)."""
    owners: dict[str, set[str]] = {}
    for dist in distributions():
        name = canonicalize_name(dist.metadata["Name"])
        for file in dist.files or []:
            parts = file.parts
            owners.setdefault(parts[0].removesuffix(".py"), set()).add(name)
            if len(parts) > 1:
                owners.setdefault(f"{parts[0]}/{parts[1].removesuffix('.py')}", set()).add(name)
    return {key: frozenset(value) for key, value in owners.items()}


def distributions_of(module: str) -> frozenset[str]:
    parts = module.split(".")
    owners = _owners_by_path()
    if len(parts) > 1 and f"{parts[0]}/{parts[1]}" in owners:
        return owners[f"{parts[0]}/{parts[1]}"]
    return owners.get(parts[0], frozenset())


def third_party_imports(wheel: BuiltWheel) -> Iterator[tuple[str, str]]:
    """(module, file) for every absolute import of a module that is neither ours nor stdlib."""
    ours = set(wheel.top_level_packages())
    for path in sorted(wheel.unpacked.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.partition(".")[0]
                if top not in ours and top not in sys.stdlib_module_names:
                    yield module, str(path.relative_to(wheel.unpacked))


# ------------------------------------------------------------------------------------ contents


def test_building_the_wheel_prints_no_setuptools_deprecation(wheel: BuiltWheel) -> None:
    warnings = [line for line in wheel.build_output.splitlines() if "deprecat" in line.lower()]
    assert warnings == []
    assert wheel.metadata()["License-Expression"] == "LicenseRef-Proprietary"


def test_every_file_of_our_packages_ships_in_the_wheel(wheel: BuiltWheel) -> None:
    """Templates, styles, migrations and the Teams manifest's template and icons are package data:
    a pattern missing from [tool.setuptools.package-data] would leave a file behind."""
    tracked = subprocess.run(
        ["git", "ls-files", "--", *wheel.top_level_packages()],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split()
    # the READMEs are for readers of the repository
    wanted = {name for name in tracked if not name.endswith("README.md")}
    shipped = {str(p.relative_to(wheel.unpacked)) for p in wheel.unpacked.rglob("*") if p.is_file()}
    assert {"manifest/manifest.template.json", "manifest/color.png", "manifest/outline.png"} <= wanted
    assert sorted(wanted - shipped) == []


def test_every_package_our_code_imports_is_declared(wheel: BuiltWheel) -> None:
    runtime = declared(wheel, None)
    undeclared: dict[str, set[str]] = {}
    for module, where in third_party_imports(wheel):
        top = module.partition(".")[0]
        allowed = runtime | (declared(wheel, OPTIONAL[top]) if top in OPTIONAL else set())
        owners = distributions_of(module)
        assert owners, f"{where} imports {module}, which no installed distribution provides"
        if not owners & allowed:
            undeclared.setdefault(" or ".join(sorted(owners)), set()).add(where)
    assert undeclared == {}


# ------------------------------------------------------------------ the builder from the wheel

# Runs the `askarsan` command from the unpacked wheel, with the modules of the dev extras made
# unimportable, then refuses if any module of ours was loaded from anywhere but the wheel.
_RUN_FROM_WHEEL = """
import sys
wheel, blocked, ours, argv = sys.argv[1], sys.argv[2].split(","), sys.argv[3].split(","), sys.argv[4:]
sys.path.insert(0, wheel)
sys.modules.update(dict.fromkeys(blocked))
from bot.cli import main
code = main(argv)
strays = sorted(
    name for name, module in list(sys.modules.items())
    if module is not None and name.partition(".")[0] in ours
    and not str(getattr(module, "__file__", None) or wheel).startswith(wheel)
)
if strays:
    print("loaded from outside the wheel: " + ", ".join(strays), file=sys.stderr)
    sys.exit(99)
sys.exit(code)
"""


def runtime_closure(wheel: BuiltWheel) -> set[str]:
    """Every distribution a plain install brings, as this environment resolved them."""
    todo = [r for r in requirements(wheel) if r.marker is None or r.marker.evaluate({"extra": ""})]
    seen: set[str] = set()
    while todo:
        requirement = todo.pop()
        name = canonicalize_name(requirement.name)
        if name in seen:
            continue
        seen.add(name)
        try:
            needs = [Requirement(line) for line in distribution(name).requires or []]
        except PackageNotFoundError:
            continue
        extras = {"", *requirement.extras}
        todo += [
            r for r in needs
            if r.marker is None or any(r.marker.evaluate({"extra": extra}) for extra in extras)
        ]
    return seen


def dev_only_modules(wheel: BuiltWheel) -> list[str]:
    """The top-level modules of what only the dev extra (and the extras it names) install."""
    dev = declared(wheel, "dev")
    for requirement in requirements(wheel):
        if canonicalize_name(requirement.name) == "askarsan" and requirement.marker is not None:
            for extra in requirement.extras:
                dev |= declared(wheel, extra)
    dev -= runtime_closure(wheel) | {"askarsan"}
    modules = set()
    for dist in distributions():
        if canonicalize_name(dist.metadata["Name"]) in dev:
            for file in dist.files or []:
                if file.suffix == ".py" or file.name == "__init__.py":
                    modules.add(file.parts[0].removesuffix(".py"))
    return sorted(m for m in modules if m.isidentifier() and not m.endswith(".dist-info"))


def run_from_wheel(wheel: BuiltWheel, cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    environment = {"PATH": "/usr/bin:/bin", "MicrosoftAppId": APP_ID, "PUBLIC_URL": PUBLIC_URL}
    return subprocess.run(
        [sys.executable, "-I", "-c", _RUN_FROM_WHEEL, str(wheel.unpacked),
         ",".join(dev_only_modules(wheel)), ",".join(wheel.top_level_packages()), *argv],
        cwd=cwd, env=environment, capture_output=True, text=True, timeout=300, check=False,
    )


def test_the_dev_extras_that_get_blocked_include_the_test_tools(wheel: BuiltWheel) -> None:
    # what the next tests hide from the builder is really what a plain install lacks
    blocked = dev_only_modules(wheel)
    assert {"pytest", "jsonschema", "referencing"} <= set(blocked)
    assert not {"PIL", "aiohttp", "botbuilder"} & set(blocked)


def test_manifest_build_works_from_the_wheel_outside_the_tree(
    wheel: BuiltWheel, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    assert not outside.is_relative_to(ROOT)
    result = run_from_wheel(wheel, outside, "manifest", "build", "--out", "askarsan-teams.zip")
    assert result.returncode == 0, result.stderr
    built = outside / "askarsan-teams.zip"
    with zipfile.ZipFile(built) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
    assert manifest["id"] == APP_ID and manifest["validDomains"][0] == "askarsan.example.com"
    # the same bytes as the package built from the source tree, which tests/manifest validates
    # against Teams' schema: the wheel carries the same template and icons
    reference = build_package(inputs_from(APP_ID, PUBLIC_URL), tmp_path / "from-source.zip")
    assert built.read_bytes() == reference.read_bytes()


def test_manifest_build_with_a_schema_says_what_a_plain_install_lacks(
    wheel: BuiltWheel, tmp_path: Path
) -> None:
    schema = tmp_path / "MicrosoftTeams.schema.json"
    schema.write_text(json.dumps({"$schema": "http://json-schema.org/draft-04/schema#"}))
    result = run_from_wheel(
        wheel, tmp_path, "manifest", "build", "--out", "x.zip", "--schema", str(schema)
    )
    assert result.returncode == 2, result.stderr
    assert re.search(r"pip install 'askarsan\[manifest-schema\]'", result.stderr), result.stderr
    assert not (tmp_path / "x.zip").exists()
