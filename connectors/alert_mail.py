"""Alerts by mail (smtplib): one message per alert to the configured recipients, `Message-ID` from the alert id.

An SMTP 4xx, a connection failure or a timeout is transient (retried on the schedule); a 5xx refusal (sender,
recipients, data) or a failed login is a refusal: the alert goes dead and can be replayed once fixed.
"""

import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from connectors.port import RejectedError, TransientError


class Mail:
    def __init__(
        self,
        name: str,
        host: str,
        port: int,
        *,
        security: str = "ssl",  # ssl | starttls | none
        username: str | None = None,
        password: str | None = None,
        sender: str,
        to: Sequence[str],
        timeout: float = 10.0,
        context: ssl.SSLContext | None = None,
    ) -> None:
        self.name, self._host, self._port, self._security = name, host, port, security
        self._login = (username, password) if username and password else None
        self._sender, self._to, self._timeout = sender, list(to), timeout
        self._context = context or ssl.create_default_context()

    def __repr__(self) -> str:
        return f"Mail({self.name!r}, {self._host}:{self._port})"

    def message(self, alert_id: str, document: dict[str, Any]) -> EmailMessage:
        mail = EmailMessage()
        mail["Subject"] = f"[docking] {document['title']}"
        mail["From"], mail["To"] = self._sender, ", ".join(self._to)
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = f"<{alert_id}@docking>"
        mail.set_content(document["text"].replace("**", "") + "\n")
        return mail

    def send(self, alert_id: str, document: dict[str, Any]) -> None:
        mail = self.message(alert_id, document)
        try:
            smtp: smtplib.SMTP
            if self._security == "ssl":
                smtp = smtplib.SMTP_SSL(self._host, self._port, timeout=self._timeout, context=self._context)
            else:
                smtp = smtplib.SMTP(self._host, self._port, timeout=self._timeout)
            with smtp:
                if self._security == "starttls":
                    smtp.starttls(context=self._context)
                if self._login is not None:
                    smtp.login(*self._login)
                smtp.send_message(mail)
        except smtplib.SMTPAuthenticationError as exc:
            raise RejectedError(self.name, str(exc.smtp_code), "the SMTP server refused our login") from None
        except smtplib.SMTPResponseException as exc:
            said = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
            if 400 <= exc.smtp_code < 500:
                raise TransientError(self.name, f"SMTP {exc.smtp_code}: {said}", cause="http") from None
            raise RejectedError(self.name, str(exc.smtp_code), f"SMTP {exc.smtp_code}: {said}") from None
        except smtplib.SMTPRecipientsRefused as exc:
            codes = sorted({code for code, _ in exc.recipients.values()})
            said = f"every recipient refused (SMTP {', '.join(map(str, codes))})"
            if all(400 <= code < 500 for code in codes):  # e.g. 451 greylisting: try again later
                raise TransientError(self.name, said, cause="http") from None
            raise RejectedError(self.name, "recipients", said) from None
        except (smtplib.SMTPException, OSError) as exc:  # OSError: refused, unreachable, timed out
            raise TransientError(self.name, f"{type(exc).__name__}", cause="unreachable") from None
