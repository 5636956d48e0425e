"""E-mail to a trainee when a submission has been scored (any SMTP server).

Configured by :class:`SmtpSettings` (from ``DLCOURSE_SMTP_*``); without a host no mail
is sent and the website's own notice is the only one. A failed delivery is recorded on
the submission and never loses or delays the result.
"""

import os
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

__all__ = ["SmtpSettings", "result_mail", "send"]


@dataclass(frozen=True)
class SmtpSettings:
    host: str = ""
    port: int = 25
    sender: str = "katakana-scorer@localhost"
    user: str = ""
    password: str = ""
    starttls: bool = False
    timeout: float = 10.0

    @classmethod
    def from_environment(cls, environ=os.environ):
        """DLCOURSE_SMTP_HOST, _PORT, _FROM, _USER, _PASSWORD, _STARTTLS (1/0)."""
        return cls(host=environ.get("DLCOURSE_SMTP_HOST", ""),
                   port=int(environ.get("DLCOURSE_SMTP_PORT", "25")),
                   sender=environ.get("DLCOURSE_SMTP_FROM", cls.sender),
                   user=environ.get("DLCOURSE_SMTP_USER", ""),
                   password=environ.get("DLCOURSE_SMTP_PASSWORD", ""),
                   starttls=environ.get("DLCOURSE_SMTP_STARTTLS", "0") == "1")


def result_mail(job, to, base_url):
    """The notification for a finished submission row."""
    message = EmailMessage()
    message["To"] = to
    number = job["id"]
    if job["status"] == "scored":
        message["Subject"] = f"[カタカナ認識] 提出 #{number} の正解率: {job['accuracy']:.2%}"
        body = (f"提出 #{number} ({job['filename']}) を隠しテストセットで採点しました。\n\n"
                f"正解率: {job['accuracy']:.2%}\n"
                f"平均交差エントロピー: {job['cross_entropy']:.4f}\n")
    elif job["status"] == "failed":
        message["Subject"] = f"[カタカナ認識] 提出 #{number} は実行に失敗しました"
        body = (f"提出 #{number} ({job['filename']}) の実行に失敗しました"
                f" ({job['failure_kind']})。\n\n{job['failure_message']}\n\n"
                "この提出は今日の枠の 3 回のうち 1 回として数えられます。\n")
    else:
        message["Subject"] = f"[カタカナ認識] 提出 #{number} を採点できませんでした"
        body = (f"採点サーバー側の問題で提出 #{number} を採点できませんでした。"
                "この提出は回数に数えません。講師に連絡してください。\n")
    message.set_content(f"{body}\n詳細: {base_url.rstrip('/')}/submissions/{number}\n")
    return message


def send(settings, message):
    """Deliver ``message``; returns a short status text ('sent to ...' or 'failed: ...')."""
    message["From"] = settings.sender
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
            if settings.starttls:
                smtp.starttls()
            if settings.user:
                smtp.login(settings.user, settings.password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        return f"failed: {type(exc).__name__}: {exc}"
    return f"sent to {message['To']}"
