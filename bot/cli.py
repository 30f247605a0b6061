"""`askarsan`: serve, migrate, and the other commands. Settings are read once, here."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from bot.settings import Settings, SettingsError

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _configure_logging(verbose: bool, log_file: Path | None = None) -> None:
    """Log to stderr; with `log_file` (the demo, whose output is its story) the log goes there,
    and only warnings and errors, which mean the demo went wrong, reach the console as well."""
    level = logging.DEBUG if verbose else logging.INFO
    if log_file is None:
        logging.basicConfig(level=level, format=LOG_FORMAT)
    else:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        console = logging.StreamHandler()
        console.setLevel(logging.WARNING)
        logging.basicConfig(
            level=level, format=LOG_FORMAT,
            handlers=[logging.FileHandler(log_file, mode="w", encoding="utf-8"), console],
        )
    # The SDK and aiohttp's access log print URLs with tokens and ids; keep them quiet.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logging.getLogger("msrest").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # httpx (under msgraph) logs request URLs, and a Graph URL names a mailbox: personal data.
    logging.getLogger("httpx").setLevel(logging.WARNING)


def _serve(settings: Settings) -> None:
    from aiohttp import web

    from bot.app import create_app

    given = settings
    settings = settings.with_local_secrets()
    app = create_app(settings)
    print(f"askARSAN {settings.env} on {settings.public_url}")
    print(f"  landing page   {settings.public_url}/")
    print(f"  bot endpoint   {settings.public_url}/api/messages")
    print(f"  health         {settings.public_url}/healthz")
    print(f"  tracker        {settings.public_url}/tracker")
    if settings.is_local:
        from bot.web.tracker.login import tracker_password

        # A secret generated for this run is printed (nobody else knows it); one given in the
        # environment is only named: whoever set it knows it, and logs need not hold it.
        password = tracker_password(app)
        if password and given.tracker_password is None:
            print(f"                 local password {password}  (generated for this run)")
        elif password:
            print("                 local password from ASKARSAN_TRACKER_PASSWORD")
        if given.api_key is None and settings.api_key is not None:
            print(f"  JSON API key   {settings.api_key.get_secret_value()}  (generated for this run)")
        elif given.api_key is not None:
            print("  JSON API key   from ASKARSAN_API_KEY")
    sys.stdout.flush()
    _freeze_startup_objects()
    web.run_app(app, host=settings.host, port=settings.port, print=None, access_log=None)


def _freeze_startup_objects() -> None:
    """Keep what start-up built (modules, the app, SQLAlchemy's mappers: about 190,000 objects)
    out of the cyclic collector's full passes, which otherwise walk all of it and stalled every
    turn in flight for about 0.1 s each time one ran (bench/results.md)."""
    gc.collect()
    gc.freeze()


def _migrate(settings: Settings) -> None:
    from storage.db import create_engine
    from storage.migrate import current_revision, migrate

    async def run() -> None:
        engine = create_engine(settings.database_url)
        try:
            await migrate(engine)
            print(f"database at revision {await current_revision(engine)}")
        finally:
            await engine.dispose()

    asyncio.run(run())


def _worker(settings: Settings) -> int:
    if settings.secret_key is None:
        print(
            "askarsan worker: ASKARSAN_SECRET_KEY is not set, so this worker cannot sign messages "
            "into web chat conversations served by another process; set the same key as the server.",
            file=sys.stderr,
        )
    from bot.app import build_runtime
    from bot.jobs.worker import serve_jobs
    from storage.migrate import is_current

    async def run() -> int:
        # The same parts as the server, but this process serves no Direct Line endpoint: the
        # bot's messages into web chat go to the server's connector over HTTP.
        runtime = build_runtime(settings.with_local_secrets())
        try:
            if not await is_current(runtime.engine):
                # Migrating is the server's (or `askarsan migrate`'s) job: several workers
                # starting at once must not race to upgrade one database.
                print(
                    "askarsan worker: the database is not at the newest schema; run "
                    "`askarsan migrate` (or start `askarsan serve`) first.",
                    file=sys.stderr,
                )
                return 2
            _freeze_startup_objects()
            await serve_jobs(runtime.runner, settings.job_poll_seconds)
            return 0
        finally:
            await runtime.close()

    return asyncio.run(run())


def _demo(settings: Settings, graph: bool, panel: bool, hold: bool, log_file: Path) -> int:
    from bot.dev.demo import main as demo_main

    return demo_main(
        settings.with_local_secrets(), sys.stdout, graph=graph, panel=panel, hold=hold, log_file=log_file
    )


def _manifest_build(settings: Settings, out: Path, schema: Path | None) -> int:
    from manifest.builder import ManifestError, build_package, inputs_from

    try:
        inputs = inputs_from(settings.app_id, settings.public_url)
        path = build_package(inputs, out, schema_path=schema)
    except ManifestError as error:
        print(f"askarsan manifest build: {error}", file=sys.stderr)
        return 2
    print(f"Teams app package written to {path}")
    return 0


def _candidate_data(settings: Settings, args: argparse.Namespace, erase: bool) -> int:
    import json

    from bot.app import build_runtime
    from cards.messages import counted
    from services import CandidateNotFound
    from storage.migrate import migrate

    if not args.email and not args.party_id:
        print("give the candidate's --email or --party-id", file=sys.stderr)
        return 2
    if erase and not args.yes:
        print("erasing cannot be undone: add --yes to confirm", file=sys.stderr)
        return 2

    async def run() -> int:
        runtime = build_runtime(settings.with_local_secrets())
        try:
            await migrate(runtime.engine)
            privacy = runtime.services.privacy
            if erase:
                report = await privacy.erase(email=args.email, party_id=args.party_id)
                print(
                    f"erased {counted(len(report.party_ids), 'candidate')}; "
                    f"{counted(report.interviews_kept, 'interview')} kept anonymised; "
                    f"{counted(report.invitations_revoked, 'link')} revoked; "
                    f"{counted(report.chat_conversations_deleted, 'chat')} and "
                    f"{counted(report.state_rows_deleted, 'chat state row')} deleted; "
                    f"{counted(report.queued_messages_emptied, 'queued message')} emptied; "
                    f"{counted(report.outbox_mails_deleted, 'outbox mail')} deleted"
                )
            else:
                data = await privacy.export(email=args.email, party_id=args.party_id)
                text = json.dumps(data, indent=2, ensure_ascii=False)
                if args.out:
                    args.out.write_text(text + "\n", encoding="utf-8")
                    print(f"written to {args.out}")
                else:
                    print(text)
            return 0
        except CandidateNotFound as error:
            print(str(error) or "no candidate with that e-mail address or id", file=sys.stderr)
            return 1
        finally:
            await runtime.close()

    return asyncio.run(run())


def _parse_times_arguments(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    # The parser's modules are imported only when this command runs: the others need none of it.
    def zone_name(text: str) -> str:
        from scheduling.errors import DomainError
        from scheduling.zones import zone

        try:
            zone(text)
        except DomainError as error:  # UnknownTimeZone, with an example of a good name
            raise argparse.ArgumentTypeError(error.message) from None
        return text.strip()

    def instant(text: str) -> datetime:
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not an ISO 8601 date-time, e.g. 2026-12-03T10:00:00+00:00"
            ) from None

    def locale(text: str) -> str:
        from scheduling.phrases import language_of

        if language_of(text) is None:
            raise argparse.ArgumentTypeError(f"{text!r}: times can be read in English, Spanish and French")
        return text

    def minutes(text: str) -> int:
        if not text.isdigit() or int(text) <= 0:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number of minutes above 0")
        return int(text)

    command = sub.add_parser(
        "parse-times",
        help="print the availability windows in a sentence, as JSON (no database, no settings)",
        description="Read times the way the bot reads a message, e.g. "
        "askarsan parse-times --zone Asia/Kolkata --now 2026-12-03T10:00+05:30 'Mon-Wed after 14:00'",
    )
    command.add_argument("--zone", required=True, type=zone_name, help="the sender's IANA zone")
    command.add_argument(
        "--now", required=True, type=instant,
        help="when the sender wrote, ISO 8601; without an offset, a wall time in --zone",
    )
    command.add_argument("--locale", default="en", type=locale, help="the sender's locale (default en)")
    command.add_argument("--duration", type=minutes, help="the meeting's length in minutes")
    command.add_argument("text", nargs="+", help="what the sender wrote")


def _parse_times(args: argparse.Namespace) -> int:
    import json
    from datetime import timedelta

    from scheduling.errors import DomainError
    from scheduling.phrases import parse_times
    from scheduling.zones import local_to_utc, zone

    now: datetime = args.now
    try:
        if now.tzinfo is None or now.utcoffset() is None:
            now = local_to_utc(now.date(), now.time(), args.zone)
    except DomainError as error:
        print(f"askarsan parse-times: --now: {error.message}", file=sys.stderr)
        return 2
    duration = timedelta(minutes=args.duration) if args.duration else None
    result = parse_times(" ".join(args.text), zone=args.zone, now=now, locale=args.locale, duration=duration)
    tz = zone(args.zone)
    windows = [
        {"start": w.start.astimezone(tz).isoformat(), "end": w.end.astimezone(tz).isoformat()}
        for w in result.windows
    ]
    print(json.dumps({"windows": windows, "problems": result.problems}, indent=2, ensure_ascii=False))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="askarsan", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the server (bot endpoint, web chat, tracker, jobs)")
    sub.add_parser("migrate", help="upgrade the database to the latest schema")
    sub.add_parser("worker", help="run the job runner only (any number on PostgreSQL)")
    demo = sub.add_parser("demo", help="run the whole journey with a simulated client and candidate")
    demo.add_argument(
        "--graph", action="store_true",
        help="calendar and mail through Microsoft Graph, against a loopback stand-in",
    )
    demo.add_argument(
        "--panel", action="store_true",
        help="a panel interview: two interviewers, a co-recruiter and the team's Teams channel",
    )
    demo.add_argument(
        "--hold", action="store_true",
        help="the recruiter decides 'on hold': the drafted word to the candidate, the follow-up a week later",
    )
    manifest = sub.add_parser("manifest", help="the Teams app package")
    manifest_sub = manifest.add_subparsers(dest="manifest_command", required=True)
    build = manifest_sub.add_parser("build", help="write the Teams app package (zip)")
    build.add_argument("--out", type=Path, default=Path("askarsan-teams.zip"))
    build.add_argument(
        "--schema", type=Path, default=None,
        help="validate against this manifest JSON schema before writing",
    )
    for name, what in (
        ("export-candidate", "print everything held about a candidate, as JSON"),
        ("erase-candidate", "erase a candidate's personal data (interviews stay, anonymised)"),
    ):
        command = sub.add_parser(name, help=what)
        command.add_argument("--email")
        command.add_argument("--party-id")
        if name == "export-candidate":
            command.add_argument("--out", type=Path)
        else:
            command.add_argument("--yes", action="store_true", help="confirm the erasure")
    _parse_times_arguments(sub)
    args = parser.parse_args(argv)
    if args.command == "parse-times":
        return _parse_times(args)  # pure: needs no settings, database or logging
    try:
        settings = Settings()
        settings.check()
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 2
    demo_log = Path(settings.data_dir) / "demo" / "demo.log" if args.command == "demo" else None
    _configure_logging(args.verbose, demo_log)
    if args.command == "serve":
        _serve(settings)
    elif args.command == "migrate":
        _migrate(settings)
    elif args.command == "worker":
        return _worker(settings)
    elif args.command == "demo" and demo_log is not None:
        return _demo(settings, args.graph, args.panel, args.hold, demo_log)
    elif args.command in ("export-candidate", "erase-candidate"):
        return _candidate_data(settings, args, erase=args.command == "erase-candidate")
    elif args.command == "manifest":
        return _manifest_build(settings, args.out, args.schema)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
