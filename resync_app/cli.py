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


def _new_password(args) -> tuple[str, bool]:
    """(password, generated?) for a new account: --password-stdin, RESYNC_NEW_PASSWORD, a prompt on a terminal;
    --generate-password or no terminal → a random one, printed once."""
    from resync_app.auth.service import generate_password

    if args.password_stdin or os.environ.get("RESYNC_NEW_PASSWORD") or (
            not args.generate_password and sys.stdin.isatty()):
        return _read_password(args), False
    return generate_password(), True


def create_admin(args) -> int:
    args.role = "admin"
    return create_user(args)


def create_user(args) -> int:
    from resync_app.auth.users import Actor, UserError
    from resync_app.auth.users import create_user as create

    password, generated = _new_password(args)
    try:
        user = create(args.username, password, args.role, Actor("cli"))
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{user['role']} {user['username']!r} created")
    if generated:
        print(f"password: {password}\n(shown only once: pass it on safely; the user can be given a new one with "
              f"reset-password)", flush=True)
    return 0


def _change_user(args, change) -> int:
    from resync_app.auth.users import Actor, UserError

    try:
        user = change(args.username, Actor("cli"))
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    state = "disabled" if user["disabled"] else "enabled"
    print(f"{user['username']!r}: {user['role']}, {state}")
    return 0


def disable_user(args) -> int:
    from resync_app.auth.users import set_disabled

    return _change_user(args, lambda name, actor: set_disabled(name, True, actor))


def enable_user(args) -> int:
    from resync_app.auth.users import set_disabled

    return _change_user(args, lambda name, actor: set_disabled(name, False, actor))


def set_role(args) -> int:
    from resync_app.auth.users import set_role as change

    return _change_user(args, lambda name, actor: change(name, args.role, actor))


def list_users(_args) -> int:
    from resync_app.auth.users import list_users as users

    for row in users():
        state = "disabled" if row["disabled"] else "enabled"
        last = row["last_login_at"] or "never"
        print(f"{row['username']}\t{row['role']}\t{state}\tcreated {row['created_at']}\tlast sign-in {last}")
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
                             ("create-user", create_user, "create an operator or admin account"),
                             ("reset-password", reset_password, "set a new password and end its sessions")):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("username")
        cmd.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
        if func is create_user:
            cmd.add_argument("--role", choices=("operator", "admin"), required=True)
        if func is not reset_password:
            cmd.add_argument("--generate-password", action="store_true",
                             help="generate a random password and print it once (the default without a terminal)")
        cmd.set_defaults(func=func)
    for name, func, text in (("disable-user", disable_user, "disable an account (ends its sessions and tokens)"),
                             ("enable-user", enable_user, "enable a disabled account"),
                             ("set-role", set_role, "make an account an operator or an admin")):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("username")
        if func is set_role:
            cmd.add_argument("--role", choices=("operator", "admin"), required=True)
        cmd.set_defaults(func=func)
    sub.add_parser("list-users", help="list every account: role, status, created, last sign-in").set_defaults(
        func=list_users)
    sub.add_parser("list-admins", help="list enabled admin accounts").set_defaults(func=list_admins)
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
