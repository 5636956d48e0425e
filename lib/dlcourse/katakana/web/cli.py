"""``dlcourse katakana serve`` and ``dlcourse katakana users add|list|passwd``."""

import getpass
import secrets
import sys

__all__ = ["add_commands"]


def _engine(args):
    from dlcourse.katakana.web.db import connect
    from dlcourse.katakana.web.settings import WebSettings

    return connect(WebSettings.from_environment(db_url=args.db_url).db_url)


def _serve(args):
    import uvicorn

    from dlcourse.katakana.web.app import create_app
    from dlcourse.katakana.web.settings import WebSettings

    if args.scoring_workers is not None and args.scoring_workers < 1:
        print("dlcourse katakana serve: --workers must be at least 1", file=sys.stderr)
        return 2
    settings = WebSettings.from_environment(args.host, args.port, args.db_url,
                                            args.scoring_workers)
    if not settings.test_set.is_file():
        print(f"dlcourse katakana serve: the hidden test set is missing ({settings.test_set});"
              " generate it with data/katakana/make_katakana.py", file=sys.stderr)
        return 2
    app = create_app(settings)
    print(f"katakana scoring site on http://{args.host}:{args.port}/ ({settings.workers} "
          f"scoring workers, ledger {settings.db_url.split('@')[-1]})", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level,
                timeout_graceful_shutdown=10)
    return 0


def _read_password(args):
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n"), False
    if args.generate:
        return secrets.token_urlsafe(12), True
    first = getpass.getpass(f"password for {args.id}: ")
    if first != getpass.getpass("again: "):
        raise SystemExit("dlcourse katakana users: the two passwords differ")
    return first, False


def _users_add(args):
    from dlcourse.katakana.users import AccountError, add_account

    password, generated = _read_password(args)
    try:
        add_account(_engine(args), args.id, password, args.nickname, args.email,
                    "instructor" if args.instructor else "trainee")
    except AccountError as exc:
        print(f"dlcourse katakana users add: {exc}", file=sys.stderr)
        return 1
    role = "instructor" if args.instructor else "trainee"
    print(f"added {role} {args.id}" + (f" with password {password}" if generated else ""))
    return 0


def _users_passwd(args):
    from dlcourse.katakana.users import AccountError, set_password

    password, generated = _read_password(args)
    try:
        set_password(_engine(args), args.id, password)
    except AccountError as exc:
        print(f"dlcourse katakana users passwd: {exc}", file=sys.stderr)
        return 1
    print(f"new password set for {args.id}" + (f": {password}" if generated else ""))
    return 0


def _users_list(args):
    from dlcourse.katakana.users import list_accounts

    for account in list_accounts(_engine(args)):
        print(f"{account['id']:<20} {account['role']:<10} {account['nickname']:<20} "
              f"{account['email']}")
    return 0


def _password_options(parser):
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--password-stdin", action="store_true",
                       help="read the password from the first line of standard input")
    group.add_argument("--generate", action="store_true",
                       help="make a random password and print it")


def add_commands(commands):
    """Add ``serve`` and ``users`` to the ``katakana`` subcommands."""
    p = commands.add_parser("serve", help="run the scoring website (uvicorn)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--workers", dest="scoring_workers", type=int, default=None,
                   help="scoring workers (default and maximum: the number of cores)")
    p.add_argument("--db-url", default=None, help="ledger URL (default $DLCOURSE_DB_URL, "
                   "else SQLite in the katakana state folder)")
    p.add_argument("--log-level", default="info")
    p.set_defaults(func=_serve)
    users = commands.add_parser("users", help="accounts of the scoring website")
    users.add_argument("--db-url", default=None, help="ledger URL (as for serve)")
    actions = users.add_subparsers(dest="users_command", required=True)
    p = actions.add_parser("add", help="create an account (the password is asked for)")
    p.add_argument("id", help="the trainee's id (letters, digits, '.', '_', '-')")
    p.add_argument("--nickname", default="")
    p.add_argument("--email", default="")
    p.add_argument("--instructor", action="store_true", help="may see every submission")
    _password_options(p)
    p.set_defaults(func=_users_add)
    p = actions.add_parser("passwd", help="set a new password")
    p.add_argument("id")
    _password_options(p)
    p.set_defaults(func=_users_passwd)
    p = actions.add_parser("list", help="list the accounts")
    p.set_defaults(func=_users_list)
