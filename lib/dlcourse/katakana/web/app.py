"""The katakana scoring website (Starlette, served by uvicorn, Jinja2 templates).

Pages: ``/login``; ``/submissions`` (upload, today's slots, history); ``/submissions/N``
(the result); ``/leaderboard``; ``/account`` (nickname, e-mail, password); ``/admin``
(instructors: every submission, download, rescore, CSV). Sessions are server-side rows
(the cookie holds a random token, the ledger its hash); every form carries a CSRF
token. Scoring happens in :class:`WorkerPool` threads, never in a request.
"""

import contextlib
import csv
import datetime as dt
import hmac
import io
import secrets
import shutil
import tempfile
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from dlbasics.datasets import KATAKANA_CLASSES
from dlcourse.katakana import users
from dlcourse.katakana.web import queue
from dlcourse.katakana.web.db import connect
from dlcourse.katakana.web.hub_auth import HubError, provision
from dlcourse.katakana.web.messages import failed_text, rejected_text
from dlcourse.katakana.web.uploads import UploadRejected, validate
from dlcourse.katakana.web.worker import WorkerPool

__all__ = ["create_app", "JST"]

HERE = Path(__file__).resolve().parent
JST = dt.timezone(dt.timedelta(hours=9), "JST")
SESSION_COOKIE, CSRF_COOKIE = "katakana_session", "katakana_csrf"
OAUTH_STATE_COOKIE = "katakana_oauth_state"
#: Room for the multipart envelope and the small form fields around the file.
FORM_OVERHEAD = 64 * 1024


class UploadTooLarge(Exception):
    pass


def jst(value, seconds=False):
    """'2026-12-03 09:00' in Japan time from a ledger time (text) or a datetime."""
    if not value:
        return ""
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(JST).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def until(moment, now=None):
    minutes = max(int((moment - (now or dt.datetime.now(dt.timezone.utc))).total_seconds()
                      // 60), 0)
    return f"{minutes // 60} 時間 {minutes % 60} 分"


def _templates():
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters.update(
        jst=jst, percent=lambda v: "" if v is None else f"{v:.2%}",
        jst_day_before=lambda moment: jst(moment - dt.timedelta(days=1)))
    templates.env.globals.update(failed_text=failed_text, classes=KATAKANA_CLASSES)
    return templates


def _go(request, path):
    """A redirect (303) to ``path`` of this site, under its root path."""
    return RedirectResponse(request.app.state.settings.root_path + path, status_code=303)


def _cookie(request, response, name, value=None, **options):
    """Set (or, without a value, delete) one of the site's cookies, for its root path."""
    path = request.app.state.settings.root_path or "/"
    if value is None:
        response.delete_cookie(name, path=path)
    else:
        response.set_cookie(name, value, httponly=True, samesite="lax", path=path, **options)


def _auth(request):
    engine = request.app.state.engine
    return users.session_for(engine, request.cookies.get(SESSION_COOKIE))


def _render(request, name, context=None, status=200, account=None, csrf=None):
    state = request.app.state
    if account is None:
        account, csrf = _auth(request)
    anonymous_csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
    context = dict(context or {}, request=request, account=account,
                   root=state.settings.root_path, hub=state.settings.hub is not None,
                   csrf=csrf or anonymous_csrf, daily_limit=queue.DAILY_LIMIT,
                   limits=state.settings.limits,
                   notices=queue.unseen_finished(state.engine, account["id"]) if account else [])
    response = state.templates.TemplateResponse(request, name, context, status_code=status)
    if not csrf and CSRF_COOKIE not in request.cookies:
        _cookie(request, response, CSRF_COOKIE, anonymous_csrf)
    return response


def _csrf_ok(request, form, csrf):
    expected = csrf or request.cookies.get(CSRF_COOKIE) or ""
    return bool(expected) and hmac.compare_digest(str(form.get("csrf", "")), expected)


def _refused(request, kind, detail="", status=400, account=None, csrf=None):
    """The dashboard (or the login page) with a refusal message; nothing is stored."""
    error = {"kind": kind, "text": rejected_text(kind), "detail": detail,
             "free": account is not None}
    if account is None:
        return _render(request, "login.html", {"error": error}, status=status)
    return _render(request, "dashboard.html", _dashboard(request, account, error), status,
                   account, csrf)


def _dashboard(request, account, error=None):
    engine = request.app.state.engine
    current = queue.quota(engine, account["id"])
    return {"error": error, "quota": current, "opens_in": until(current.opens_at),
            "history": queue.history(engine, account["id"])}


async def _form(request, max_bytes=FORM_OVERHEAD, max_files=0):
    received = 0

    async def limited_receive():
        nonlocal received
        message = await request.receive()
        received += len(message.get("body", b""))
        if received > max_bytes:
            raise UploadTooLarge
        return message

    return await Request(request.scope, limited_receive).form(max_files=max_files,
                                                              max_fields=10)


async def home(request):
    account, _ = _auth(request)
    return _go(request, "/submissions" if account else "/login")


async def login_page(request):
    hub = request.app.state.settings.hub
    if hub is None:
        return _render(request, "login.html")
    state = secrets.token_urlsafe(24)
    response = RedirectResponse(hub.login_redirect(state), status_code=302)
    _cookie(request, response, OAUTH_STATE_COOKIE, state, max_age=600)
    return response


async def oauth_callback(request):
    """JupyterHub sends the trainee back here with a code (only as a hub service)."""
    hub = request.app.state.settings.hub
    state = request.query_params.get("state", "")
    expected = request.cookies.get(OAUTH_STATE_COOKIE, "")
    if hub is None or not expected or not hmac.compare_digest(state, expected):
        raise HTTPException(403, "ログインをやり直してください"
                                 " (JupyterHub からの戻り先が正しくありません)。")
    try:
        code = request.query_params.get("code", "")
        user = await run_in_threadpool(hub.user_for_code, code)
    except (HubError, KeyError) as exc:
        raise HTTPException(502, f"JupyterHub でログインできませんでした: {exc}") from None
    engine = request.app.state.engine
    account = await run_in_threadpool(provision, engine, user)
    response = await _start_session(request, account)
    _cookie(request, response, OAUTH_STATE_COOKIE)
    return response


async def _start_session(request, account_id):
    token, _ = await run_in_threadpool(users.open_session, request.app.state.engine,
                                       account_id)
    response = _go(request, "/submissions")
    _cookie(request, response, SESSION_COOKIE, token,
            max_age=int(users.SESSION_LIFETIME.total_seconds()))
    return response


async def login(request):
    if request.app.state.settings.hub is not None:
        raise HTTPException(405, "JupyterHub のログインを使ってください。")
    form = await _form(request)
    if not _csrf_ok(request, form, None):
        return _refused(request, "csrf", status=403)
    engine = request.app.state.engine
    account = await run_in_threadpool(users.authenticate, engine, form.get("account", ""),
                                      form.get("password", ""))
    if account is None:
        return _render(request, "login.html", {"error": {
            "text": "学籍番号またはパスワードが違います。", "detail": ""}}, status=401)
    return await _start_session(request, account["id"])


async def logout(request):
    account, csrf = _auth(request)
    form = await _form(request)
    if account and _csrf_ok(request, form, csrf):
        users.close_session(request.app.state.engine, request.cookies.get(SESSION_COOKIE))
    response = _go(request, "/login")
    _cookie(request, response, SESSION_COOKIE)
    return response


def _login_required(handler):
    async def wrapped(request):
        account, csrf = _auth(request)
        if account is None:
            return _go(request, "/login")
        return await handler(request, account, csrf)
    wrapped.__name__ = handler.__name__
    return wrapped


def _instructor_required(handler):
    async def wrapped(request, account, csrf):
        if account["role"] != "instructor":
            raise HTTPException(404, "このページは講師専用です。")
        return await handler(request, account, csrf)
    wrapped.__name__ = handler.__name__
    return _login_required(wrapped)


@_login_required
async def dashboard(request, account, csrf):
    return _render(request, "dashboard.html", _dashboard(request, account), 200, account, csrf)


def _training_accuracy(text):
    text = (text or "").strip().rstrip("%").strip()
    if not text:
        return None
    value = float(text)  # ValueError for text that is not a number
    if not 0 <= value <= 100:
        raise ValueError(text)
    return value / 100


def _check_and_store(state, account, data, filename, training_accuracy, comment):
    scratch = Path(tempfile.mkdtemp(prefix="katakana-upload-"))
    try:
        _, files = validate(data, scratch / "files", state.settings.limits)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return queue.enqueue(state.engine, account["id"], data, filename, files,
                         training_accuracy, comment)


@_login_required
async def upload(request, account, csrf):
    limit = request.app.state.settings.limits.max_upload_bytes
    too_large = f"{limit // 2**20} MiB まで"
    if int(request.headers.get("content-length") or 0) > limit + FORM_OVERHEAD:
        return _refused(request, "too large", too_large, 413, account, csrf)
    try:
        form = await _form(request, limit + FORM_OVERHEAD, max_files=1)
    except UploadTooLarge:
        return _refused(request, "too large", too_large, 413, account, csrf)
    except (MultiPartException, HTTPException) as exc:  # Starlette wraps the first
        return _refused(request, "bad form", getattr(exc, "detail", str(exc)), 400, account,
                        csrf)
    try:
        return await _accept(request, account, csrf, form)
    finally:
        await form.close()


async def _accept(request, account, csrf, form):
    state = request.app.state
    if not _csrf_ok(request, form, csrf):
        return _refused(request, "csrf", status=403, account=account, csrf=csrf)
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        return _refused(request, "no file", status=400, account=account, csrf=csrf)
    try:
        training = _training_accuracy(form.get("training_accuracy"))
    except ValueError:
        return _refused(request, "bad accuracy", str(form.get("training_accuracy")), 400,
                        account, csrf)
    data = await file.read()
    if queue.quota(state.engine, account["id"]).remaining == 0:
        return _limit_reached(request, account, csrf)
    try:
        new_id = await run_in_threadpool(_check_and_store, state, account, data, file.filename,
                                         training, str(form.get("comment", ""))[:500])
    except UploadRejected as exc:
        status = 413 if exc.kind == "too large" else 400
        return _refused(request, exc.kind, str(exc), status, account, csrf)
    except queue.QuotaExceeded:
        return _limit_reached(request, account, csrf)
    state.pool.notify_new_job()
    return _go(request, f"/submissions/{new_id}")


def _limit_reached(request, account, csrf):
    current = queue.quota(request.app.state.engine, account["id"])
    error = {"kind": "rate limit", "detail": "", "text": (
        f"今日の枠 ({jst(current.opens_at - dt.timedelta(days=1))} から、日本時間) の提出"
        f" {current.limit} 回をすべて使いました"
        f" (採点待ち {current.pending} 件を含む)。次の提出は {jst(current.opens_at)} (日本時間)"
        f" から受け付けます (あと {until(current.opens_at)})。")}
    return _render(request, "dashboard.html", _dashboard(request, account, error), 429,
                   account, csrf)


def _visible_submission(request, account):
    try:
        number = int(request.path_params["number"])
    except ValueError:
        number = -1
    job = queue.submission(request.app.state.engine, number)
    if job is None or (job["account"] != account["id"] and account["role"] != "instructor"):
        # the same answer whether it exists or not: ids of others' submissions leak nothing
        raise HTTPException(404, "この提出は見つかりません (自分の提出だけを見られます)。")
    return job


@_login_required
async def result(request, account, csrf):
    engine = request.app.state.engine
    job = _visible_submission(request, account)
    if job["account"] == account["id"] and job["status"] in ("scored", "failed", "error"):
        await run_in_threadpool(queue.mark_seen, engine, job["id"])
    return _render(request, "result.html", {
        "job": job, "position": queue.queue_position(engine, job["id"]),
        "confusion": _confusion_cells(job)}, 200, account, csrf)


def _confusion_cells(job):
    """Rows of (count, share of the row, is diagonal) for the confusion-matrix table."""
    metrics = job["metrics"]
    if not metrics:
        return None
    rows = []
    for i, counts in enumerate(metrics["confusion"]):
        total = max(sum(counts), 1)
        rows.append([(count, count / total, i == j) for j, count in enumerate(counts)])
    return rows


@_login_required
async def leaderboard(request, account, csrf):
    rows = queue.leaderboard(request.app.state.engine)
    return _render(request, "leaderboard.html", {"rows": rows}, 200, account, csrf)


@_login_required
async def account_page(request, account, csrf):
    return _render(request, "account.html", {}, 200, account, csrf)


@_login_required
async def account_update(request, account, csrf):
    engine = request.app.state.engine
    form = await _form(request)
    if not _csrf_ok(request, form, csrf):
        return _render(request, "account.html", {"error": rejected_text("csrf")}, 403,
                       account, csrf)
    try:
        if form.get("new_password"):
            if not await run_in_threadpool(users.authenticate, engine, account["id"],
                                           form.get("current_password", "")):
                raise users.AccountError("現在のパスワードが違います。")
            users.set_password(engine, account["id"], form["new_password"])
        users.update_profile(engine, account["id"], form.get("nickname", ""),
                             form.get("email", ""))
    except users.AccountError as exc:
        return _render(request, "account.html", {"error": f"変更できませんでした: {exc}"}, 400,
                       account, csrf)
    fresh = users.get_account(engine, account["id"])
    return _render(request, "account.html", {"saved": True}, 200, fresh, csrf)


@_instructor_required
async def admin(request, account, csrf):
    rows = queue.all_submissions(request.app.state.engine)
    return _render(request, "admin.html", {"rows": rows}, 200, account, csrf)


@_instructor_required
async def download(request, account, csrf):
    job = _visible_submission(request, account)
    data = queue.upload_data(request.app.state.engine, job["id"])
    name = f"submission-{job['id']}-{job['account']}.zip"
    return Response(data, media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@_instructor_required
async def rescore(request, account, csrf):
    form = await _form(request)
    if not _csrf_ok(request, form, csrf):
        raise HTTPException(403, rejected_text("csrf"))
    job = _visible_submission(request, account)
    if not queue.rescore(request.app.state.engine, job["id"]):
        raise HTTPException(409, "採点中の提出は再採点できません。終わってからやり直してください。")
    request.app.state.pool.notify_new_job()
    return _go(request, "/admin")


CSV_COLUMNS = ["id", "account", "nickname", "status", "created_at", "started_at", "finished_at",
               "runs", "training_accuracy", "accuracy", "cross_entropy", "failure_kind",
               "failure_message", "filename", "size_bytes", "email_status"]


@_instructor_required
async def admin_csv(request, account, csrf):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(queue.all_submissions(request.app.state.engine))
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="submissions.csv"'})


DEFAULT_ERRORS = {404: "ページが見つかりません。", 405: "この操作はできません。"}


async def http_error(request, exc):
    message = exc.detail
    if exc.status_code in DEFAULT_ERRORS and not any(ord(ch) > 127 for ch in message):
        message = DEFAULT_ERRORS[exc.status_code]  # Starlette's own English default
    return _render(request, "error.html", {"status": exc.status_code, "message": message},
                   exc.status_code)


SECURITY_HEADERS = [
    (b"x-frame-options", b"DENY"), (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"content-security-policy", b"default-src 'self'; style-src 'self' 'unsafe-inline'"),
]


class SecurityHeaders:
    """ASGI middleware: no framing, no sniffing, only the site's own scripts and styles."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + SECURITY_HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers if scope["type"] == "http" else send)


def create_app(settings, start_workers=True):
    """The website for ``settings``; its scoring workers run while the app is served."""
    engine = connect(settings.db_url)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        if start_workers:
            app.state.pool.start()
        try:
            yield
        finally:
            if start_workers:
                await run_in_threadpool(app.state.pool.stop)

    routes = [
        Route("/", home), Route("/login", login_page), Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]), Route("/oauth_callback", oauth_callback),
        Route("/submissions", dashboard), Route("/submissions", upload, methods=["POST"]),
        Route("/submissions/{number}", result), Route("/leaderboard", leaderboard),
        Route("/account", account_page), Route("/account", account_update, methods=["POST"]),
        Route("/admin", admin), Route("/admin/submissions.csv", admin_csv),
        Route("/admin/submissions/{number}/download", download),
        Route("/admin/submissions/{number}/rescore", rescore, methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    if settings.root_path:  # e.g. /services/katakana as a JupyterHub service
        routes = [Mount(settings.root_path, routes=routes)]
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={
        HTTPException: http_error}, middleware=[Middleware(SecurityHeaders)])
    app.state.settings, app.state.engine = settings, engine
    app.state.templates = _templates()
    app.state.pool = WorkerPool(engine, settings)
    return app
