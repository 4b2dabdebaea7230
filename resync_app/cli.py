"""Admin command line: `python -m resync_app <command>`."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path


def _alembic_config():
    from alembic.config import Config

    root = Path(__file__).resolve().parent.parent
    config = Config(str(root / "alembic.ini"))
    config.set_main_option("script_location", str(root / "alembic"))
    config.attributes["configure_logger"] = False  # keep the app's logging as it is
    return config


def migrate(_args=None) -> int:
    """Bring the database schema to the newest revision."""
    from alembic import command

    command.upgrade(_alembic_config(), "head")
    return 0


def _read_password(args) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    if env := os.environ.get("RESYNC_NEW_PASSWORD"):
        return env
    first = getpass.getpass("New password: ")
    if getpass.getpass("Repeat it: ") != first:
        raise SystemExit("the two passwords differ")
    return first


def create_admin(args) -> int:
    from resync_app.auth.service import create_admin as create

    try:
        create(args.username, _read_password(args), actor="cli")
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"admin {args.username!r} created")
    return 0


def reset_password(args) -> int:
    from resync_app.auth.service import reset_password as reset

    try:
        ended = reset(args.username, _read_password(args), actor="cli")
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"password of {args.username!r} reset; {ended} session(s)/token(s) ended")
    return 0


def list_admins(_args) -> int:
    from resync_app.auth.service import list_admins as admins

    for row in admins():
        print(f"{row['username']}\tcreated {row['created_at']}")
    return 0


def ensure_admin(_args) -> int:
    """Create the first admin from RESYNC_ADMIN_USERNAME/PASSWORD (or a generated password) if none exists."""
    from resync_app.auth.service import ensure_first_admin
    from resync_app.settings import get_settings

    settings = get_settings()
    password_file = settings.data_dir / "initial-admin-password"
    try:
        generated = ensure_first_admin(settings.admin_username, settings.admin_password, password_file)
    except ValueError as exc:
        print(f"error: cannot create the first admin: {exc}", file=sys.stderr)
        return 2
    if generated:
        bar = "=" * 72
        print(f"{bar}\nFirst admin created: username '{settings.admin_username}', password: {generated}\n"
              f"(also written to {password_file}, mode 0600; shown only once)\n{bar}", flush=True)
    return 0


def seed_demo(args) -> int:
    """Fill the ledger and its rollups with synthetic traffic."""
    from resync_app.llm import pricing
    from resync_app.llm.demo import seed

    if args.usage_rows < 1 or not 1 <= args.days <= 3650:
        print("error: --usage-rows must be at least 1 and --days between 1 and 3650", file=sys.stderr)
        return 2
    pricing.load_custom_prices()
    result = seed(args.usage_rows, args.days, seed_value=args.seed)
    print(f"seeded {result['rows']:,} calls over {result['days']} days (${result['cost_usd']:,.2f}) "
          f"in {result['seconds']} s")
    return 0


def config_docs(args) -> int:
    """Write the configuration reference generated from the catalogue."""
    from resync_app.config.docs import render

    target = Path(args.output)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render() + "\n")
    print(f"wrote {target}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m resync_app", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="alembic upgrade head").set_defaults(func=migrate)
    for name, func, text in (("create-admin", create_admin, "create an admin account"),
                             ("reset-password", reset_password, "set a new password and end its sessions")):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("username")
        cmd.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
        cmd.set_defaults(func=func)
    sub.add_parser("list-admins", help="list admin accounts").set_defaults(func=list_admins)
    sub.add_parser("ensure-admin", help="create the first admin if there is none").set_defaults(func=ensure_admin)
    docs = sub.add_parser("config-docs", help="write docs/configuration.md from the catalogue")
    docs.add_argument("--output", default=str(Path(__file__).resolve().parent.parent / "docs" / "configuration.md"))
    docs.set_defaults(func=config_docs)
    demo = sub.add_parser("seed-demo", help="fill the LLM ledger with synthetic traffic")
    demo.add_argument("--usage-rows", type=int, default=10000)
    demo.add_argument("--days", type=int, default=30)
    demo.add_argument("--seed", type=int, default=42)
    demo.set_defaults(func=seed_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
