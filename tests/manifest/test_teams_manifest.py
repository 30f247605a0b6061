"""The Teams app package: manifest content, schema validity, icons, zip layout, refusals."""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from manifest.builder import (
    BOT_SIGN_IN_DOMAIN,
    MANIFEST_DIR,
    ManifestError,
    ManifestInputs,
    build_package,
    check_icons,
    inputs_from,
    load_template,
    render_manifest,
    validate_manifest,
)
from tests.helpers.manifest import GOOD_APP_ID

TEAM_COMMANDS = ["post here", "feedback text on", "feedback text off", "help"]
RECRUITER_COMMANDS = ["schedule", "pipeline", "upcoming", "help"]


def rgba_pixels(image: Image.Image) -> list[tuple[int, int, int, int]]:
    raw = image.convert("RGBA").tobytes()
    return [(raw[i], raw[i + 1], raw[i + 2], raw[i + 3]) for i in range(0, len(raw), 4)]


# --------------------------------------------------------------------------- manifest content


def test_template_targets_a_current_schema_version() -> None:
    template = load_template()
    major, minor = (int(part) for part in template["manifestVersion"].split("."))
    assert (major, minor) >= (1, 22)
    assert template["$schema"] == (
        f"https://developer.microsoft.com/json-schemas/teams/v{template['manifestVersion']}/MicrosoftTeams.schema.json"
    )


def test_rendered_manifest_fills_in_the_deployment(good_inputs: ManifestInputs) -> None:
    manifest = render_manifest(good_inputs)

    assert manifest["id"] == GOOD_APP_ID
    assert manifest["version"] == "1.0.0"
    assert manifest["name"]["short"] == "askARSAN"
    assert (
        "schedules interviews between your clients and candidates"
        in manifest["description"]["full"]
    )
    assert len(manifest["description"]["short"]) <= 80
    assert manifest["developer"] == {
        "name": "askARSAN",
        "websiteUrl": "https://askarsan.example.com/",
        "privacyUrl": "https://askarsan.example.com/privacy",
        "termsOfUseUrl": "https://askarsan.example.com/terms",
    }
    assert manifest["validDomains"] == ["askarsan.example.com"]
    assert "webApplicationInfo" not in manifest
    assert "<filled in" not in json.dumps(manifest)

    (bot,) = manifest["bots"]
    assert bot["botId"] == GOOD_APP_ID
    assert set(bot["scopes"]) >= {"personal", "team", "groupChat"}
    assert bot["supportsFiles"] is False
    covered: set[str] = set()
    for command_list in bot["commandLists"]:
        # In a team's channel: where the team's interview threads go and what they may quote.
        expected = TEAM_COMMANDS if command_list["scopes"] == ["team"] else RECRUITER_COMMANDS
        assert [c["title"] for c in command_list["commands"]] == expected
        assert all(c["description"].strip() for c in command_list["commands"])
        covered.update(command_list["scopes"])
    assert covered == set(bot["scopes"])


def test_explicit_urls_and_version_win_over_defaults() -> None:
    manifest = render_manifest(
        ManifestInputs(
            app_id=GOOD_APP_ID,
            host="askarsan.example.com",
            app_version="2.3.4",
            developer_name="ARSAN Recruiting",
            website_url="https://arsan.example.org/",
            privacy_url="https://arsan.example.org/legal/privacy",
            terms_url="https://arsan.example.org/legal/terms",
        )
    )
    assert manifest["version"] == "2.3.4"
    assert manifest["developer"]["name"] == "ARSAN Recruiting"
    assert manifest["developer"]["privacyUrl"] == "https://arsan.example.org/legal/privacy"
    assert manifest["developer"]["termsOfUseUrl"] == "https://arsan.example.org/legal/terms"


def test_sso_adds_web_application_info_and_the_token_domain() -> None:
    resource = f"api://botid-{GOOD_APP_ID}"
    manifest = render_manifest(
        ManifestInputs(app_id=GOOD_APP_ID, host="askarsan.example.com", sso_resource=resource)
    )
    assert manifest["webApplicationInfo"] == {"id": GOOD_APP_ID, "resource": resource}
    assert manifest["validDomains"] == ["askarsan.example.com", BOT_SIGN_IN_DOMAIN]


def test_render_does_not_touch_the_template(good_inputs: ManifestInputs) -> None:
    before = (MANIFEST_DIR / "manifest.template.json").read_bytes()
    render_manifest(good_inputs)
    assert (MANIFEST_DIR / "manifest.template.json").read_bytes() == before
    assert load_template()["id"] != GOOD_APP_ID


# ------------------------------------------------------------------------------------ schema


def test_built_manifest_is_valid_against_the_official_schema(
    teams_schema: Path, good_inputs: ManifestInputs
) -> None:
    assert validate_manifest(render_manifest(good_inputs), teams_schema) == []


def test_sso_manifest_is_valid_against_the_official_schema(teams_schema: Path) -> None:
    inputs = ManifestInputs(
        app_id=GOOD_APP_ID, host="askarsan.example.com", sso_resource=f"api://botid-{GOOD_APP_ID}"
    )
    assert validate_manifest(render_manifest(inputs), teams_schema) == []


def test_schema_validation_reports_what_is_wrong(
    teams_schema: Path, good_inputs: ManifestInputs
) -> None:
    manifest = render_manifest(good_inputs)
    manifest["accentColor"] = "blue"
    manifest["name"]["short"] = "x" * 31
    del manifest["developer"]["privacyUrl"]
    problems = validate_manifest(manifest, teams_schema)
    text = "\n".join(problems)
    assert "$.accentColor" in text
    assert "$.name.short" in text
    assert "privacyUrl" in text


def test_schema_validation_stays_offline(tmp_path: Path) -> None:
    schema = {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "type": "object",
        "properties": {"x": {"$ref": "https://schemas.invalid/elsewhere.schema.json"}},
    }
    path = tmp_path / "s.schema.json"
    path.write_text(json.dumps(schema))
    with pytest.raises(ManifestError, match="not available offline"):
        validate_manifest({"x": 1}, path)

    # the same reference is found next to the schema, by file name, without a download
    (tmp_path / "elsewhere.schema.json").write_text(json.dumps({"type": "string"}))
    assert validate_manifest({"x": "ok"}, path) == []
    assert len(validate_manifest({"x": 1}, path)) == 1


def test_ecmascript_patterns_in_the_schema_are_never_skipped(tmp_path: Path) -> None:
    schema = {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "type": "object",
        "properties": {
            "name": {"type": "string", "pattern": "^[\\p{L}][\\p{L}0-9._]*$"},
            "code": {"type": "string", "pattern": "^[a-z]+$"},
        },
    }
    path = tmp_path / "s.schema.json"
    path.write_text(json.dumps(schema))
    # a schema holding such a pattern still loads, and the other patterns still apply
    assert validate_manifest({"code": "abc"}, path) == []
    assert validate_manifest({"code": "ABC"}, path) == ["$.code: 'ABC' does not match '^[a-z]+$'"]
    # a value that needs the ECMAScript pattern is refused, not waved through
    with pytest.raises(ManifestError, match="cannot be checked in Python"):
        validate_manifest({"name": "askARSAN"}, path)


def test_build_refuses_a_manifest_the_schema_rejects(
    tmp_path: Path, teams_schema: Path, manifest_copy: Path
) -> None:
    template_path = manifest_copy / "manifest.template.json"
    template = json.loads(template_path.read_text())
    template["accentColor"] = "not-a-colour"
    template_path.write_text(json.dumps(template))
    out = tmp_path / "out.zip"
    with pytest.raises(ManifestError, match=r"does not match the Teams schema[\s\S]*accentColor"):
        build_package(
            ManifestInputs(app_id=GOOD_APP_ID, host="askarsan.example.com"),
            out,
            manifest_copy,
            schema_path=teams_schema,
        )
    assert not out.exists()


def test_validating_without_jsonschema_says_what_to_install_and_writes_nothing(
    tmp_path: Path, good_inputs: ManifestInputs, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a plain install (no extras) has no jsonschema
    monkeypatch.setitem(sys.modules, "jsonschema", None)
    schema = tmp_path / "s.schema.json"
    schema.write_text(json.dumps({"$schema": "http://json-schema.org/draft-04/schema#"}))
    out = tmp_path / "out.zip"
    with pytest.raises(ManifestError, match=r"pip install 'askarsan\[manifest-schema\]'"):
        build_package(good_inputs, out, schema_path=schema)
    assert not out.exists()


# ------------------------------------------------------------------------------------ icons


def test_committed_icons_are_what_teams_requires() -> None:
    color, outline = MANIFEST_DIR / "color.png", MANIFEST_DIR / "outline.png"
    check_icons(color, outline)

    with Image.open(color) as image:
        assert image.format == "PNG" and image.size == (192, 192)
        accent = load_template()["accentColor"]
        r, g, b = image.convert("RGB").tobytes()[:3]  # the top-left pixel: the background
        assert f"#{r:02X}{g:02X}{b:02X}" == accent.upper()
    with Image.open(outline) as image:
        assert image.format == "PNG" and image.size == (32, 32)
        pixels = rgba_pixels(image)
        assert any(p[3] == 0 for p in pixels)  # transparent background
        assert any(p[3] == 255 for p in pixels)  # a solid mark
        assert all(p[:3] == (255, 255, 255) for p in pixels if p[3] > 0)  # white only


def test_icons_are_reproducible_from_the_script(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_icons", MANIFEST_DIR / "make_icons.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    color, outline = module.make_color(), module.make_outline()
    with Image.open(MANIFEST_DIR / "color.png") as committed:
        assert committed.convert("RGB").tobytes() == color.convert("RGB").tobytes()
    with Image.open(MANIFEST_DIR / "outline.png") as committed:
        # where a pixel is fully transparent its colour does not matter
        ours = [p if p[3] else (0, 0, 0, 0) for p in rgba_pixels(outline)]
        theirs = [p if p[3] else (0, 0, 0, 0) for p in rgba_pixels(committed)]
        assert ours == theirs


def _save(image: Image.Image, path: Path, fmt: str = "PNG") -> Path:
    image.save(path, fmt)
    return path


@pytest.mark.parametrize(
    ("which", "image", "message"),
    [
        (
            "color",
            Image.new("RGB", (96, 96), "#2E5AAC"),
            r"colour icon .* is 96x96 pixels; Teams needs exactly 192x192",
        ),
        (
            "outline",
            Image.new("RGBA", (48, 48), (255, 255, 255, 0)),
            r"outline icon .* is 48x48 pixels; Teams needs exactly 32x32",
        ),
        ("outline", Image.new("RGB", (32, 32), "white"), r"outline icon .* has no transparency"),
        (
            "outline",
            Image.new("RGBA", (32, 32), (255, 255, 255, 255)),
            r"outline icon .* has no transparent pixel",
        ),
        (
            "outline",
            Image.new("RGBA", (32, 32), (255, 255, 255, 0)),
            r"outline icon .* is fully transparent",
        ),
    ],
)
def test_bad_icons_are_refused(
    tmp_path: Path, which: str, image: Image.Image, message: str
) -> None:
    color = MANIFEST_DIR / "color.png"
    outline = MANIFEST_DIR / "outline.png"
    bad = _save(image, tmp_path / f"{which}.png")
    with pytest.raises(ManifestError, match=message):
        check_icons(bad if which == "color" else color, bad if which == "outline" else outline)


def test_outline_with_a_coloured_pixel_is_refused(tmp_path: Path) -> None:
    with Image.open(MANIFEST_DIR / "outline.png") as good:
        image = good.convert("RGBA")
    image.putpixel((16, 16), (46, 90, 172, 255))
    bad = _save(image, tmp_path / "outline.png")
    with pytest.raises(
        ManifestError, match=r"1 visible pixel\(s\) that are not white, the first at \(16, 16\)"
    ):
        check_icons(MANIFEST_DIR / "color.png", bad)


def test_icon_that_is_not_a_png_is_refused(tmp_path: Path) -> None:
    bad = _save(Image.new("RGB", (192, 192), "#2E5AAC"), tmp_path / "color.png", "JPEG")
    with pytest.raises(ManifestError, match="JPEG file; Teams needs a PNG"):
        check_icons(bad, MANIFEST_DIR / "outline.png")


def test_missing_icon_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="colour icon is missing"):
        check_icons(tmp_path / "nope.png", MANIFEST_DIR / "outline.png")


def test_build_refuses_an_icon_of_the_wrong_size(
    tmp_path: Path, manifest_copy: Path, good_inputs: ManifestInputs
) -> None:
    _save(Image.new("RGB", (200, 200), "#2E5AAC"), manifest_copy / "color.png")
    out = tmp_path / "askarsan-teams.zip"
    with pytest.raises(ManifestError, match="is 200x200 pixels; Teams needs exactly 192x192"):
        build_package(good_inputs, out, manifest_copy)
    assert not out.exists()


# ------------------------------------------------------------------------------------ package


def test_package_has_exactly_the_three_files_at_its_root(
    tmp_path: Path, good_inputs: ManifestInputs
) -> None:
    out = build_package(good_inputs, tmp_path / "dist" / "askarsan-teams.zip")

    assert out == tmp_path / "dist" / "askarsan-teams.zip"
    with zipfile.ZipFile(out) as archive:
        assert archive.testzip() is None
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json").decode("utf-8"))
        assert archive.read("color.png") == (MANIFEST_DIR / "color.png").read_bytes()
        assert archive.read("outline.png") == (MANIFEST_DIR / "outline.png").read_bytes()
    assert manifest == render_manifest(good_inputs)
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    # and no temporary file left behind
    assert list(tmp_path.joinpath("dist").iterdir()) == [out]


def test_package_built_with_the_schema_holds_a_valid_manifest(
    tmp_path: Path, teams_schema: Path, good_inputs: ManifestInputs
) -> None:
    out = build_package(good_inputs, tmp_path / "askarsan-teams.zip", schema_path=teams_schema)
    with zipfile.ZipFile(out) as archive:
        manifest = json.loads(archive.read("manifest.json").decode("utf-8"))
    assert validate_manifest(manifest, teams_schema) == []
    assert manifest["id"] == GOOD_APP_ID


def test_package_is_reproducible(tmp_path: Path, good_inputs: ManifestInputs) -> None:
    first = build_package(good_inputs, tmp_path / "a.zip").read_bytes()
    second = build_package(good_inputs, tmp_path / "b.zip").read_bytes()
    assert first == second


def test_build_refuses_a_folder_as_output(tmp_path: Path, good_inputs: ManifestInputs) -> None:
    with pytest.raises(ManifestError, match="is a folder"):
        build_package(good_inputs, tmp_path)


# ------------------------------------------------------------------------------------ refusals


@pytest.mark.parametrize(
    ("app_id", "message"),
    [
        ("", "app id is empty"),
        ("   ", "app id is empty"),
        ("askarsan-bot", "is not a GUID"),
        ("2f1a4c3e8b7d4e6f9a0b1c2d3e4f5a6b", "is not a GUID"),
        ("{2f1a4c3e-8b7d-4e6f-9a0b-1c2d3e4f5a6b}", "is not a GUID"),
        ("00000000-0000-0000-0000-000000000000", "all-zero GUID"),
    ],
)
def test_bad_app_id_is_refused(app_id: str, message: str) -> None:
    with pytest.raises(ManifestError, match=message):
        render_manifest(ManifestInputs(app_id=app_id, host="askarsan.example.com"))


@pytest.mark.parametrize(
    ("host", "message"),
    [
        ("", "host name is empty"),
        ("https://askarsan.example.com", "has a scheme"),
        ("askarsan.example.com/bot", "no path"),
        ("askarsan.example.com:443", "has a port"),
        (":443", "has a port"),
        ("localhost", "is local"),
        ("10.0.0.5", "is an IP address"),
        ("askarsan", "not a valid public DNS name"),
        ("ask_arsan.example.com", "not a valid public DNS name"),
    ],
)
def test_bad_host_is_refused(host: str, message: str) -> None:
    with pytest.raises(ManifestError, match=message):
        render_manifest(ManifestInputs(app_id=GOOD_APP_ID, host=host))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"app_version": "1.0"}, "must be MAJOR.MINOR.PATCH"),
        ({"developer_name": ""}, "developer name"),
        ({"developer_name": "x" * 33}, "developer name"),
        (
            {"privacy_url": "http://askarsan.example.com/privacy"},
            "privacy URL .* must be an https:// URL",
        ),
        ({"website_url": "askarsan.example.com"}, "website URL .* must be an https:// URL"),
        ({"sso_resource": ""}, "SSO resource is empty"),
        ({"sso_resource": "botid-123"}, "not an Application ID URI"),
    ],
)
def test_other_bad_inputs_are_refused(changes: dict[str, str], message: str) -> None:
    inputs = ManifestInputs(app_id=GOOD_APP_ID, host="askarsan.example.com", **changes)
    with pytest.raises(ManifestError, match=message):
        render_manifest(inputs)


# ------------------------------------------------------------------------------------ from settings


def test_inputs_from_settings() -> None:
    inputs = inputs_from(f" {GOOD_APP_ID}\n", "https://askarsan.example.com/")
    assert inputs == ManifestInputs(
        app_id=GOOD_APP_ID,
        host="askarsan.example.com",
        website_url="https://askarsan.example.com/",
        privacy_url="https://askarsan.example.com/privacy",
        terms_url="https://askarsan.example.com/terms",
    )
    render_manifest(inputs)


def test_inputs_from_keeps_a_path_prefix_and_port() -> None:
    inputs = inputs_from(
        GOOD_APP_ID, "https://Jobs.Example.com:8443/askarsan", sso_resource="api://botid-x"
    )
    assert inputs.host == "jobs.example.com"
    assert inputs.privacy_url == "https://Jobs.Example.com:8443/askarsan/privacy"
    assert inputs.sso_resource == "api://botid-x"
    assert render_manifest(inputs)["validDomains"] == ["jobs.example.com", BOT_SIGN_IN_DOMAIN]


@pytest.mark.parametrize(
    ("app_id", "public_url", "message"),
    [
        ("", "https://askarsan.example.com", "MicrosoftAppId is not set"),
        (GOOD_APP_ID, "", "PUBLIC_URL is not set"),
        (GOOD_APP_ID, "http://askarsan.example.com", "not an https:// URL"),
        (
            GOOD_APP_ID,
            "http://localhost:3978",
            r"http://localhost works with the Bot Framework Emulator.*dev tunnel",
        ),
        (GOOD_APP_ID, "https://localhost:3978", "Teams only calls bots on a public https:// host"),
        (GOOD_APP_ID, "https://", "not an https:// URL with a public host"),
        (GOOD_APP_ID, "askarsan.example.com", "not an https:// URL"),
        (GOOD_APP_ID, "https://askarsan.example.com/?x=1", "query or fragment"),
    ],
)
def test_inputs_from_refuses_bad_settings(app_id: str, public_url: str, message: str) -> None:
    with pytest.raises(ManifestError, match=message):
        inputs_from(app_id, public_url)


def test_non_guid_app_id_from_settings_is_refused_on_render() -> None:
    with pytest.raises(ManifestError, match="is not a GUID"):
        render_manifest(inputs_from("my-bot", "https://askarsan.example.com"))
