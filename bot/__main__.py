"""Command line of the project's own services.

    python -m bot web                               start the web app (staff console, widget)
    python -m bot staff add-user EMAIL [--admin]    create a staff account (password from prompt or stdin)
    python -m bot purge --older-than DAYS           delete conversations past the retention period
    python -m bot migrate                           apply changes stored data needs (before the servers start)
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


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot")
    commands = parser.add_subparsers(dest="command", required=True)
    web_parser = commands.add_parser("web", help="start the web app")
    web_parser.add_argument("--host", default="0.0.0.0")
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
    args = parser.parse_args(argv)
    args.run(args)


if __name__ == "__main__":
    main()
