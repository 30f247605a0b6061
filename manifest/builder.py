"""The Microsoft Teams app package for askARSAN: manifest, icons, zip.

``askarsan manifest build --out askarsan-teams.zip`` calls :func:`inputs_from` with
``MicrosoftAppId`` and ``PUBLIC_URL`` from the settings, then :func:`build_package`. The manifest
is rendered from ``manifest/manifest.template.json`` as data (load the JSON, set fields), never by
pasting text into JSON.

Every refusal is a :class:`ManifestError` whose message says what is wrong and how to fix it.

The template and the icons are package data beside this module, so the command works from an
installed wheel, from any directory. A build needs Pillow (the icon checks, a dependency of the
package); only validating against Teams' JSON schema (``schema_path=``, ``--schema``) needs
jsonschema, the ``manifest-schema`` extra, and says so when it is missing.
"""

from __future__ import annotations

import copy
import ipaddress
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from PIL import Image, UnidentifiedImageError

MANIFEST_DIR = Path(__file__).resolve().parent
TEMPLATE_NAME = "manifest.template.json"
PLACEHOLDER = "<filled in by askarsan manifest build>"

COLOR_ICON_SIZE = (192, 192)
OUTLINE_ICON_SIZE = (32, 32)

# Teams' bot sign-in (OAuth card / SSO token exchange) opens pages on this domain.
BOT_SIGN_IN_DOMAIN = "token.botframework.com"

_GUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_NIL_GUID = "00000000-0000-0000-0000-000000000000"
_SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_DEVELOPER_NAME_MAX = 32  # the schema's limit for developer.name


class ManifestError(Exception):
    """The Teams app package cannot be built; the message says why and what to do."""


@dataclass(frozen=True)
class ManifestInputs:
    """What varies between deployments. Everything else lives in the template."""

    app_id: str
    host: str
    app_version: str = "1.0.0"
    developer_name: str = "askARSAN"
    website_url: str = ""
    privacy_url: str = ""
    terms_url: str = ""
    sso_resource: str | None = None


# ------------------------------------------------------------------------------------------- checks


def _check_app_id(app_id: str) -> str:
    if not app_id or not app_id.strip():
        raise ManifestError(
            "The Microsoft app id is empty. Set MicrosoftAppId to the Azure Bot registration's "
            "application (client) id, a GUID such as 2f1a4c3e-8b7d-4e6f-9a0b-1c2d3e4f5a6b."
        )
    if not _GUID.match(app_id):
        raise ManifestError(
            f"The Microsoft app id {app_id!r} is not a GUID. Teams needs the Azure Bot "
            "registration's application (client) id, shaped like "
            "2f1a4c3e-8b7d-4e6f-9a0b-1c2d3e4f5a6b."
        )
    if app_id == _NIL_GUID:
        raise ManifestError(
            "The Microsoft app id is the all-zero GUID, a placeholder. Use the Azure Bot "
            "registration's application (client) id."
        )
    return app_id.lower()


def _check_host(host: str) -> str:
    """A bare public DNS name: no scheme, no port, no path, not localhost, not an IP address."""
    if not host or not host.strip():
        raise ManifestError(
            "The server's host name is empty. Give the public host Teams reaches the bot on, "
            "e.g. askarsan.example.com."
        )
    if "://" in host:
        raise ManifestError(
            f"The host {host!r} has a scheme. Give the host name alone, e.g. askarsan.example.com "
            "(PUBLIC_URL keeps the https:// part)."
        )
    if any(c in host for c in "/?#@ \t\r\n"):
        raise ManifestError(
            f"The host {host!r} is not a bare host name: no path, query, user or spaces allowed. "
            "Give e.g. askarsan.example.com."
        )
    if ":" in host:
        raise ManifestError(
            f"The host {host!r} has a port (or is only a port). Teams' validDomains takes a bare "
            "host name such as askarsan.example.com."
        )
    name = host.rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        raise ManifestError(
            f"The host {host!r} is local. Teams reaches the bot over the internet: use a public "
            "host name (a dev tunnel or ngrok host during development)."
        )
    try:
        ipaddress.ip_address(name)
    except ValueError:
        pass
    else:
        raise ManifestError(
            f"The host {host!r} is an IP address. Teams needs a DNS host name with a valid HTTPS "
            "certificate, e.g. askarsan.example.com."
        )
    labels = name.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels) or len(name) > 253:
        raise ManifestError(
            f"The host {host!r} is not a valid public DNS name (letters, digits and hyphens, "
            "dot-separated, with a domain), e.g. askarsan.example.com."
        )
    return name


def _check_https_url(url: str, what: str) -> str:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise ManifestError(
            f"The {what} {url!r} must be an https:// URL with a host; Teams shows it to users "
            "on the app's details page."
        )
    return url


def _check_version(version: str) -> str:
    if not _SEMVER.match(version):
        raise ManifestError(
            f"The app package version {version!r} must be MAJOR.MINOR.PATCH, e.g. 1.0.0. "
            "Raise it each time you upload a changed package to Teams."
        )
    return version


def _check_sso_resource(resource: str) -> str:
    if not resource.strip():
        raise ManifestError(
            "The SSO resource is empty. Leave it unset to build without single sign-on, or give "
            "the Application ID URI, e.g. api://botid-<app id>."
        )
    if not re.match(r"^(api|https)://\S+$", resource):
        raise ManifestError(
            f"The SSO resource {resource!r} is not an Application ID URI. Use the one from the app "
            "registration's 'Expose an API' page, e.g. api://botid-<app id>."
        )
    return resource


# ------------------------------------------------------------------------------------------- render


def load_template(manifest_dir: Path | None = None) -> dict[str, Any]:
    path = (manifest_dir or MANIFEST_DIR) / TEMPLATE_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ManifestError(f"The manifest template is missing: {path}") from exc
    except json.JSONDecodeError as exc:
        raise ManifestError(f"The manifest template {path} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ManifestError(f"The manifest template {path} must hold a JSON object.")
    return data


def _strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


def render_manifest(inputs: ManifestInputs, manifest_dir: Path | None = None) -> dict[str, Any]:
    """The manifest for these inputs, as a dict ready for ``json.dumps``."""
    app_id = _check_app_id(inputs.app_id)
    host = _check_host(inputs.host)
    version = _check_version(inputs.app_version)
    developer_name = inputs.developer_name.strip()
    if not developer_name or len(developer_name) > _DEVELOPER_NAME_MAX:
        raise ManifestError(
            f"The developer name {inputs.developer_name!r} must be 1 to "
            f"{_DEVELOPER_NAME_MAX} characters."
        )
    website = _check_https_url(inputs.website_url or f"https://{host}/", "website URL")
    privacy = _check_https_url(inputs.privacy_url or f"https://{host}/privacy", "privacy URL")
    terms = _check_https_url(inputs.terms_url or f"https://{host}/terms", "terms of use URL")

    manifest = copy.deepcopy(load_template(manifest_dir))
    manifest["id"] = app_id
    manifest["version"] = version
    manifest["developer"] = {
        **manifest.get("developer", {}),
        "name": developer_name,
        "websiteUrl": website,
        "privacyUrl": privacy,
        "termsOfUseUrl": terms,
    }
    bots = manifest.get("bots")
    if not isinstance(bots, list) or len(bots) != 1 or not isinstance(bots[0], dict):
        raise ManifestError("The manifest template must declare exactly one bot under 'bots'.")
    bots[0]["botId"] = app_id

    domains = [host]
    if inputs.sso_resource is not None:
        manifest["webApplicationInfo"] = {
            "id": app_id,
            "resource": _check_sso_resource(inputs.sso_resource),
        }
        domains.append(BOT_SIGN_IN_DOMAIN)
    else:
        manifest.pop("webApplicationInfo", None)
    existing = [d for d in manifest.get("validDomains", []) if d not in domains]
    manifest["validDomains"] = domains + existing

    left = [path for path, text in _strings(manifest) if PLACEHOLDER in text]
    if left:
        raise ManifestError(f"The manifest template has fields nothing fills in: {', '.join(left)}")
    return manifest


# -------------------------------------------------------------------------------------------- icons


def check_icons(color: Path, outline: Path) -> None:
    """Refuse icons Teams would reject.

    The colour icon must be a 192x192 PNG; the outline icon a 32x32 PNG with a white mark on a
    transparent background (partly transparent white edges are fine).
    """
    def open_png(path: Path, what: str) -> Image.Image:
        if not path.is_file():
            raise ManifestError(f"The {what} icon is missing: {path}")
        try:
            image = Image.open(path)
            image.load()
        except (UnidentifiedImageError, OSError) as exc:
            raise ManifestError(f"The {what} icon {path} is not a readable image: {exc}") from exc
        if image.format != "PNG":
            raise ManifestError(
                f"The {what} icon {path} is a {image.format} file; Teams needs a PNG."
            )
        return image

    def check_size(image: Image.Image, path: Path, what: str, size: tuple[int, int]) -> None:
        if image.size != size:
            raise ManifestError(
                f"The {what} icon {path} is {image.size[0]}x{image.size[1]} pixels; "
                f"Teams needs exactly {size[0]}x{size[1]}."
            )

    color_image = open_png(color, "colour")
    check_size(color_image, color, "colour", COLOR_ICON_SIZE)

    outline_image = open_png(outline, "outline")
    check_size(outline_image, outline, "outline", OUTLINE_ICON_SIZE)
    has_alpha = outline_image.mode in ("RGBA", "LA", "PA") or "transparency" in outline_image.info
    if not has_alpha:
        raise ManifestError(
            f"The outline icon {outline} has no transparency ({outline_image.mode} image). "
            "Teams needs a white mark on a transparent background."
        )
    raw = outline_image.convert("RGBA").tobytes()
    pixels = [(raw[i], raw[i + 1], raw[i + 2], raw[i + 3]) for i in range(0, len(raw), 4)]
    alphas = [p[3] for p in pixels]
    if min(alphas) > 0:
        raise ManifestError(
            f"The outline icon {outline} has no transparent pixel. Teams needs a white mark on a "
            "transparent background."
        )
    if max(alphas) == 0:
        raise ManifestError(
            f"The outline icon {outline} is fully transparent; it needs a white mark."
        )
    coloured = [
        (i % OUTLINE_ICON_SIZE[0], i // OUTLINE_ICON_SIZE[0])
        for i, (r, g, b, a) in enumerate(pixels)
        if a > 0 and (r, g, b) != (255, 255, 255)
    ]
    if coloured:
        x, y = coloured[0]
        raise ManifestError(
            f"The outline icon {outline} has {len(coloured)} visible pixel(s) that are not white, "
            f"the first at ({x}, {y}). Teams needs white only on a transparent background."
        )


# ------------------------------------------------------------------------------------------- schema


def validate_manifest(manifest: dict[str, Any], schema_path: Path) -> list[str]:
    """The schema violations of ``manifest`` against the JSON schema at ``schema_path``.

    Each is ``"<JSON path>: <message>"``; an empty list means valid.

    Works offline: the draft meta-schemas come with ``jsonschema``, and any other remote ``$ref`` is
    looked up by file name next to ``schema_path``. A reference that cannot be found that way is a
    :class:`ManifestError` rather than a download.
    """
    try:
        import jsonschema
        import referencing
        import referencing.exceptions
        from referencing.jsonschema import DRAFT4
    except ImportError as exc:
        raise ManifestError(
            "Validating against a JSON schema needs the jsonschema package, which a plain install "
            f"of askarsan leaves out ({exc}). Install the extra with "
            "pip install 'askarsan[manifest-schema]' (or pip install 'jsonschema>=4.23,<5'), "
            "or build without --schema (the fields and icons are still checked; Teams checks "
            "the manifest against its schema when the package is uploaded)."
        ) from exc

    try:
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ManifestError(f"The manifest JSON schema is missing: {schema_path}") from exc
    except json.JSONDecodeError as exc:
        raise ManifestError(
            f"The manifest JSON schema {schema_path} is not valid JSON: {exc}"
        ) from exc

    def retrieve(uri: str) -> referencing.Resource[Any]:
        local = schema_path.parent / Path(urlsplit(uri).path).name
        if local.name and local.is_file():
            contents = json.loads(local.read_text(encoding="utf-8"))
            return referencing.Resource.from_contents(contents, default_specification=DRAFT4)
        raise ManifestError(
            f"The schema {schema_path.name} refers to {uri}, which is not available offline. "
            f"Put a copy next to the schema as {local.name or 'a file'}."
        )

    registry: referencing.Registry[Any] = referencing.Registry(retrieve=retrieve)  # type: ignore[call-arg]
    base_class = jsonschema.validators.validator_for(schema, default=jsonschema.Draft4Validator)
    # Check the schema against its meta-schema without format checks: Teams' schemas (1.23 on) hold
    # ECMAScript patterns such as ^[\p{L}][\p{L}0-9._]*$ that Python's re cannot compile.
    meta_error = jsonschema.exceptions.best_match(
        base_class(base_class.META_SCHEMA).iter_errors(schema)
    )
    if meta_error is not None:
        raise ManifestError(
            f"The manifest JSON schema {schema_path} is itself invalid: {meta_error.message}"
        )

    def pattern(
        validator: Any, regex: str, instance: Any, subschema: dict[str, Any]
    ) -> Iterator[jsonschema.ValidationError]:
        if not validator.is_type(instance, "string"):
            return
        try:
            found = re.search(regex, instance)
        except re.error as exc:
            # never pass a value unchecked: say which pattern we could not apply
            raise ManifestError(
                f"The schema's pattern {regex!r} (ECMAScript syntax) cannot be checked in Python "
                f"({exc}); the value {instance!r} needs checking by Teams' own validator."
            ) from exc
        if found is None:
            yield jsonschema.ValidationError(f"{instance!r} does not match {regex!r}")

    validator_class = jsonschema.validators.extend(base_class, validators={"pattern": pattern})
    validator = validator_class(schema, registry=registry, format_checker=base_class.FORMAT_CHECKER)
    try:
        errors = sorted(
            validator.iter_errors(manifest),
            key=lambda e: (list(map(str, e.absolute_path)), e.message),
        )
    except referencing.exceptions.Unresolvable as exc:
        offline = _offline_error(exc)
        message = (
            str(offline) if offline else f"The schema {schema_path} has an unresolvable $ref: {exc}"
        )
        raise ManifestError(message) from exc
    return [f"{error.json_path}: {error.message}" for error in errors]


def _offline_error(exc: BaseException) -> ManifestError | None:
    """The ManifestError raised by our retriever, however deep the libraries wrapped it."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ManifestError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


# ------------------------------------------------------------------------------------------ package


def build_package(
    inputs: ManifestInputs,
    out: Path,
    manifest_dir: Path | None = None,
    *,
    schema_path: Path | None = None,
) -> Path:
    """Render, check and zip the Teams app package; returns ``out``.

    The zip holds exactly ``manifest.json``, ``color.png`` and ``outline.png`` at its root. With
    ``schema_path`` the manifest is also validated against that JSON schema. Nothing is written
    when a check fails, and an existing ``out`` is replaced only by a complete package.
    """
    directory = manifest_dir or MANIFEST_DIR
    manifest = render_manifest(inputs, directory)
    icons = manifest.get("icons", {})
    names = {"color": icons.get("color"), "outline": icons.get("outline")}
    if names != {"color": "color.png", "outline": "outline.png"}:
        raise ManifestError(
            f"The manifest template's icons must be 'color.png' and 'outline.png', not {names}."
        )
    color, outline = directory / "color.png", directory / "outline.png"
    check_icons(color, outline)
    if schema_path is not None:
        problems = validate_manifest(manifest, schema_path)
        if problems:
            raise ManifestError(
                f"The manifest does not match the Teams schema {schema_path}:\n  "
                + "\n  ".join(problems)
            )

    out = Path(out)
    if out.is_dir():
        raise ManifestError(
            f"{out} is a folder; give the path of the zip to write, "
            f"e.g. {out / 'askarsan-teams.zip'}"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with (
            os.fdopen(fd, "wb") as handle,
            zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive,
        ):
            # fixed timestamps: the same inputs give the same bytes
            for name, data in (
                ("manifest.json", body),
                ("color.png", color.read_bytes()),
                ("outline.png", outline.read_bytes()),
            ):
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, data)
        os.replace(tmp_name, out)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return out


def inputs_from(app_id: str, public_url: str, sso_resource: str | None = None) -> ManifestInputs:
    """Manifest inputs from the settings ``MicrosoftAppId`` and ``PUBLIC_URL``.

    The host comes from ``PUBLIC_URL``; the website, privacy and terms URLs are ``PUBLIC_URL`` plus
    ``/``, ``/privacy`` and ``/terms`` (keeping a path prefix such as ``https://example.com/askarsan``).
    """
    app_id = (app_id or "").strip()
    if not app_id:
        raise ManifestError(
            "MicrosoftAppId is not set. A Teams app package needs the Azure Bot registration's "
            "application (client) id; set MicrosoftAppId in the environment or .env."
        )
    url = (public_url or "").strip()
    if not url:
        raise ManifestError(
            "PUBLIC_URL is not set. Set it to the https:// address Teams reaches askARSAN on, "
            "e.g. https://askarsan.example.com."
        )
    parts = urlsplit(url)
    host = parts.hostname or ""
    local = host in ("localhost", "127.0.0.1", "::1") or host.endswith(".localhost")
    if parts.scheme != "https" or not host or local:
        hint = (
            " http://localhost works with the Bot Framework Emulator and the built-in web chat, "
            "but Teams only calls bots on a public https:// host; during development expose the "
            "server through a dev tunnel or ngrok and set PUBLIC_URL to that https:// URL."
            if local
            else ""
        )
        raise ManifestError(
            f"PUBLIC_URL {url!r} is not an https:// URL with a public host, which Teams requires, "
            f"e.g. https://askarsan.example.com.{hint}"
        )
    if parts.query or parts.fragment or parts.username is not None:
        raise ManifestError(f"PUBLIC_URL {url!r} must not have a user name, query or fragment.")
    base = f"https://{parts.netloc}{parts.path.rstrip('/')}"
    return ManifestInputs(
        app_id=app_id,
        host=host,
        website_url=f"{base}/",
        privacy_url=f"{base}/privacy",
        terms_url=f"{base}/terms",
        sso_resource=sso_resource,
    )
