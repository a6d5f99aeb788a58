"""Command line of the project's own services.

    python -m bot web                               start the web app (staff console, widget)
    python -m bot staff add-user EMAIL [--admin]    create a staff account (password from prompt or stdin)
    python -m bot purge --older-than DAYS           delete conversations past the retention period
    python -m bot migrate                           apply changes stored data needs (before the servers start)
    python -m bot content report [--out FILE]       every text the bot can say, as HTML for clinicians
    python -m bot content sign --reviewer WHO KEY   record a clinician's approval of texts (or --all)
    python -m bot content status                    texts changed since their sign-off, or never signed
"""
from __future__ import annotations

import argparse
import getpass
import logging
import sys

from bot.store import audit
from bot.settings import settings
from bot.store.sessions import session_factory
from bot.store.models import Role


def _read_password() -> str:
    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Again: "):
            raise SystemExit("The passwords differ")
        return password
    return sys.stdin.readline().rstrip("\n")


def add_user(args: argparse.Namespace) -> None:
    from bot.store.staff_accounts import add_user as create
    config = settings()
    try:
        with session_factory(config.database_url).begin() as session:
            user = create(session, args.email, args.name or args.email.split("@")[0], _read_password(),
                          Role.admin if args.admin else Role.staff)
            audit.record(session, "user_created", detail=f"staff #{user.id} from the command line")
    except ValueError as error:
        raise SystemExit(str(error))
    print(f"Created {user.role.value} account #{user.id} for {user.email}")


def purge(args: argparse.Namespace) -> None:
    from bot.store.erasure import purge_older_than
    config = settings()
    days = args.older_than if args.older_than is not None else config.retention_days
    report = purge_older_than(config.database_url, config.tracker_database_url, days)
    print(f"Deleted {report.conversations} conversation(s) older than {days} days: "
          f"{report.events} tracker events, {report.tickets} handoff ticket(s)")


def migrate(args: argparse.Namespace) -> None:
    from bot.store.migrations import migrate as apply_migrations
    config = settings()
    ran = apply_migrations(config.database_url, config.tracker_database_url)
    print(f"Applied {len(ran)} migration(s)" + (f": {', '.join(ran)}" if ran else ""))


def web(args: argparse.Namespace) -> None:
    from aiohttp import web as aiohttp_web
    from bot.web.app import create_app
    config = settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # The access log would hold conversation ids in URLs; log method, path pattern and status only.
    aiohttp_web.run_app(create_app(config), host=args.host, port=args.port or config.web_port,
                        access_log_format='%r %s %Tf', print=lambda *_: None)


def content_report(args: argparse.Namespace) -> None:
    import subprocess
    from pathlib import Path
    from bot.content_review import report, signoff, texts
    from bot.rasa_side.nlg import deployment_values
    every = texts.all_texts()
    reviews = signoff.load()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=texts.PROJECT_ROOT).stdout.strip()
    document = report.render(every, reviews, signoff.status(every, reviews), deployment_values(settings()), commit)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(document, encoding="utf-8")
    print(f"Wrote {len(every)} texts to {out}")


def content_sign(args: argparse.Namespace) -> None:
    from bot.content_review import signoff, texts
    keys = [text.key for text in texts.all_texts()] if args.all else args.keys
    if not keys:
        raise SystemExit("Name the texts to sign (keys from the report or `content status`), or --all")
    try:
        signed = signoff.sign(keys, args.reviewer)
    except ValueError as error:
        raise SystemExit(str(error))
    print(f"Signed off {len(signed)} text(s) for {args.reviewer.strip()} in {signoff.SIGNOFF_FILE.name}")


def content_status(args: argparse.Namespace) -> None:
    from bot.content_review import signoff
    state = signoff.status()
    for text in state.changed:
        print(f"changed since sign-off: {text.key} ({text.source_file})")
    for text in state.unsigned if args.unsigned else []:
        print(f"not signed off: {text.key} ({text.source_file})")
    if state.unsigned and not args.unsigned:
        print(f"{len(state.unsigned)} text(s) never signed off (`python -m bot content status --unsigned` lists them)")
    total = len(state.signed) + len(state.changed) + len(state.unsigned)
    print(f"Content review: {len(state.signed)} of {total} texts signed off in their current wording"
          + ("" if state.complete else "; the assistant says its wording is still being reviewed"))
    if args.strict and not state.complete:
        raise SystemExit(1)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot")
    commands = parser.add_subparsers(dest="command", required=True)
    web_parser = commands.add_parser("web", help="start the web app")
    web_parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (behind a reverse proxy)")
    web_parser.add_argument("--port", type=int)
    web_parser.set_defaults(run=web)
    staff = commands.add_parser("staff", help="manage staff accounts").add_subparsers(dest="staff_command",
                                                                                      required=True)
    add = staff.add_parser("add-user", help="create a staff account")
    add.add_argument("email")
    add.add_argument("--name", help="display name shown to users with staff replies")
    add.add_argument("--admin", action="store_true", help="may manage accounts and read the audit log")
    add.set_defaults(run=add_user)
    purge_parser = commands.add_parser("purge", help="delete conversations past the retention period")
    purge_parser.add_argument("--older-than", type=int, metavar="DAYS",
                              help="days since the last message (default RETENTION_DAYS, 90)")
    purge_parser.set_defaults(run=purge)
    commands.add_parser("migrate", help="apply changes stored data needs").set_defaults(run=migrate)
    content = commands.add_parser("content", help="clinician review of every text the bot can say")
    content_commands = content.add_subparsers(dest="content_command", required=True)
    report_parser = content_commands.add_parser("report", help="render every text as one HTML document")
    report_parser.add_argument("--out", default="reports/content.html")
    report_parser.set_defaults(run=content_report)
    sign_parser = content_commands.add_parser("sign", help="record a clinician's approval of the current wording")
    sign_parser.add_argument("--reviewer", required=True, help='who approved, e.g. "Dr A. Smith, psychiatrist"')
    sign_parser.add_argument("--all", action="store_true", help="every text, as the report shows it now")
    sign_parser.add_argument("keys", nargs="*", help='text keys, e.g. "response utter_faq/mdma_legal_status #0"')
    sign_parser.set_defaults(run=content_sign)
    status_parser = content_commands.add_parser("status", help="texts changed since sign-off or never signed")
    status_parser.add_argument("--unsigned", action="store_true", help="also list the texts never signed off")
    status_parser.add_argument("--strict", action="store_true", help="exit 1 unless every text is signed off")
    status_parser.set_defaults(run=content_status)
    args = parser.parse_args(argv)
    args.run(args)


if __name__ == "__main__":
    main()
