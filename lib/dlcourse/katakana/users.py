"""Accounts of the katakana website: created by the instructor, passwords hashed with Argon2.

``dlcourse katakana users add ID`` creates one; trainees then log in on the website and
may set a nickname (shown on the leaderboard) and an e-mail address (for notifications).
Passwords are hashed with argon2-cffi's defaults (Argon2id, salted); a hash made with
older parameters is upgraded at the next successful login.
"""

import datetime as dt
import hashlib
import re
import secrets

import argon2
import sqlalchemy as sa

from dlcourse.katakana.scoring import STUDENT_ID
from dlcourse.katakana.web.db import accounts, iso, sessions, utc_now, writing

__all__ = ["AccountError", "add_account", "set_password", "authenticate", "get_account",
           "list_accounts", "update_profile", "open_session", "session_for", "close_session",
           "MIN_PASSWORD_LENGTH", "ROLES"]

MIN_PASSWORD_LENGTH = 8
ROLES = ("trainee", "instructor")
SESSION_LIFETIME = dt.timedelta(days=14)
NICKNAME = re.compile(r"^[^\x00-\x1f<>]{0,40}$")
EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_HASHER = argon2.PasswordHasher()
#: Verified against when the account does not exist, so both cases take the same time.
_DUMMY_HASH = _HASHER.hash(secrets.token_hex(16))


class AccountError(ValueError):
    """A bad account request; the message says what to change."""


def _check_password(password):
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")


def _check_profile(nickname, email):
    if nickname is not None and not NICKNAME.match(nickname):
        raise AccountError("a nickname has at most 40 characters and no '<', '>' or control "
                           "characters")
    if email and not EMAIL.match(email):
        raise AccountError(f"{email!r} is not an e-mail address")


def add_account(engine, account_id, password, nickname="", email="", role="trainee"):
    """Create an account; AccountError if the id is taken or invalid."""
    if not STUDENT_ID.match(account_id or ""):
        raise AccountError(f"invalid account id {account_id!r}: use letters, digits, '.', '_' "
                           "or '-' (at most 64, starting with a letter or digit)")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    _check_password(password)
    _check_profile(nickname, email)
    with writing(engine) as conn:
        if conn.execute(sa.select(accounts.c.id).where(accounts.c.id == account_id)).first():
            raise AccountError(f"account {account_id!r} exists already")
        conn.execute(accounts.insert().values(
            id=account_id, password_hash=_HASHER.hash(password), nickname=nickname or "",
            email=email or "", role=role, created_at=iso(utc_now())))


def set_password(engine, account_id, password):
    _check_password(password)
    with writing(engine) as conn:
        done = conn.execute(accounts.update().where(accounts.c.id == account_id).values(
            password_hash=_HASHER.hash(password))).rowcount
    if not done:
        raise AccountError(f"no account {account_id!r}")


def get_account(engine, account_id):
    with engine.connect() as conn:
        row = conn.execute(sa.select(accounts).where(accounts.c.id == account_id)).first()
    return row._asdict() if row else None


def list_accounts(engine):
    with engine.connect() as conn:
        rows = conn.execute(sa.select(accounts).order_by(accounts.c.id)).all()
    return [row._asdict() for row in rows]


def update_profile(engine, account_id, nickname, email):
    nickname = (nickname or "").strip()
    email = (email or "").strip()
    _check_profile(nickname, email)
    with writing(engine) as conn:
        conn.execute(accounts.update().where(accounts.c.id == account_id).values(
            nickname=nickname, email=email))


def authenticate(engine, account_id, password):
    """The account dict if the password is right, else None (same cost either way)."""
    account = get_account(engine, account_id or "")
    try:
        _HASHER.verify(account["password_hash"] if account else _DUMMY_HASH, password or "")
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        return None
    if not account:
        return None
    if _HASHER.check_needs_rehash(account["password_hash"]):
        set_password(engine, account_id, password)
    return account


def _token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(engine, account_id, now=None):
    """A new login session: returns (cookie token, CSRF token). Only a hash is stored."""
    now = now or utc_now()
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with writing(engine) as conn:
        conn.execute(sessions.delete().where(sessions.c.expires_at < iso(now)))
        conn.execute(sessions.insert().values(
            token_hash=_token_hash(token), account=account_id, csrf=csrf,
            expires_at=iso(now + SESSION_LIFETIME)))
    return token, csrf


def session_for(engine, token, now=None):
    """(account dict, CSRF token) of a live session, or (None, None)."""
    if not token:
        return None, None
    now = now or utc_now()
    with engine.connect() as conn:
        row = conn.execute(sa.select(sessions).where(
            sessions.c.token_hash == _token_hash(token),
            sessions.c.expires_at > iso(now))).first()
    if not row:
        return None, None
    return get_account(engine, row.account), row.csrf


def close_session(engine, token):
    if token:
        with writing(engine) as conn:
            conn.execute(sessions.delete().where(sessions.c.token_hash == _token_hash(token)))
