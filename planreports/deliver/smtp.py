"""SMTP: one relay connection with TLS and a single login, the DATA step, and failure kinds."""

from __future__ import annotations

import contextlib
import os
import re
import smtplib
import ssl
from collections.abc import Sequence

from planreports.config import Config, Smtp
from planreports.deliver.inputs import email_section
from planreports.errors import DeliveryError


class TemporaryFailure(Exception):
    """Worth another try: a 4xx reply, a dropped or refused connection."""


class PermanentFailure(Exception):
    """This message will not go as it is (a 5xx for the whole message)."""


class OutcomeUnknown(Exception):
    """The body was handed over and the reply never came: it may have been delivered."""


class _TrackedData:
    """smtplib's DATA, noting the moment the body has gone, to tell "not sent" from "unknown"."""

    body_sent = False

    def data(self, msg: bytes) -> tuple[int, bytes]:
        self.body_sent = False
        self.putcmd("data")  # type: ignore[attr-defined]
        code, reply = self.getreply()  # type: ignore[attr-defined]
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        body = re.sub(rb"(?m)^\.", b"..", msg)  # dot-stuffing, as smtplib does
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        self.send(body + b".\r\n")  # type: ignore[attr-defined]
        self.body_sent = True
        return self.getreply()  # type: ignore[attr-defined]


class _Client(_TrackedData, smtplib.SMTP):
    pass


class _SslClient(_TrackedData, smtplib.SMTP_SSL):
    pass


def smtp_credentials(smtp: Smtp) -> tuple[str, str] | None:
    """User and password from the environment variables config names, checked before connecting."""
    names = {"username_env": smtp.username_env, "password_env": smtp.password_env}
    if not any(names.values()):
        return None
    for key, name in names.items():
        if not name:
            other = "password_env" if key == "username_env" else "username_env"
            raise DeliveryError(f"email.smtp.{other} is set but {key} is not: give both or neither")
    values = {}
    for key, name in names.items():
        value = os.environ.get(name or "")
        if not value:
            what = "user name" if key == "username_env" else "password"
            raise DeliveryError(
                f"environment variable {name} is not set: it must hold the SMTP {what} "
                f"(email.smtp.{key} in config.yaml); nothing was sent"
            )
        values[key] = value
    if not (smtp.starttls or smtp.ssl):
        raise DeliveryError(
            f"refusing to send the SMTP password unencrypted to {smtp.host}:{smtp.port}: set "
            "email.smtp.starttls: true (port 587) or ssl: true (port 465)"
        )
    return values["username_env"], values["password_env"]


def _tls_context(config: Config, smtp: Smtp) -> ssl.SSLContext:
    cafile = None
    if smtp.ca_file:
        path = config.resolve(smtp.ca_file)
        if not path.is_file():
            raise DeliveryError(f"email.smtp.ca_file {path} not found")
        cafile = str(path)
    context = ssl.create_default_context(cafile=cafile)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _code_of(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)


class Relay:
    """One SMTP connection, opened when first needed and reopened after a drop."""

    def __init__(self, config: Config, credentials: tuple[str, str] | None) -> None:
        self.smtp = email_section(config).smtp
        self.context = _tls_context(config, self.smtp)
        self.credentials = credentials
        self.client: _Client | _SslClient | None = None
        self.unreachable = ""  # set once a message gave up on connecting: skip the rest

    @property
    def where(self) -> str:
        return f"{self.smtp.host}:{self.smtp.port}"

    def connect(self) -> _Client | _SslClient:
        if self.client is not None:
            return self.client
        smtp = self.smtp
        client: _Client | _SslClient | None = None
        try:
            if smtp.ssl:
                client = _SslClient(smtp.host, smtp.port, timeout=smtp.timeout_seconds,
                                    context=self.context)
            else:
                client = _Client(smtp.host, smtp.port, timeout=smtp.timeout_seconds)
            client.ehlo()
            if smtp.starttls and not smtp.ssl:
                if not client.has_extn("starttls"):
                    raise DeliveryError(
                        f"{self.where} does not offer STARTTLS, and email.smtp.starttls is true: "
                        "not sending in clear"
                    )
                client.starttls(context=self.context)
                client.ehlo()
            if self.credentials:
                self._login(client, *self.credentials)
        except ssl.SSLCertVerificationError as exc:
            _close(client)
            raise DeliveryError(
                f"the certificate of {self.where} is not trusted ({exc.verify_message}); if the "
                "relay uses a private CA, set email.smtp.ca_file to its certificate"
            ) from exc
        except ssl.SSLError as exc:
            _close(client)
            raise DeliveryError(
                f"TLS with {self.where} failed: {exc.reason or exc} (TLS 1.2 or newer is required)"
            ) from exc
        except DeliveryError:
            _close(client)
            raise
        except smtplib.SMTPConnectError as exc:
            _close(client)
            text = (f"{self.where} refused the connection: "
                    f"{exc.smtp_code} {_code_of(exc.smtp_error)}")
            failure = TemporaryFailure if 400 <= exc.smtp_code < 500 else PermanentFailure
            raise failure(text) from exc
        except (smtplib.SMTPException, OSError) as exc:
            _close(client)
            raise TemporaryFailure(
                f"cannot reach {self.where}: {exc or type(exc).__name__}"
            ) from exc
        self.client = client
        return client

    def _login(self, client: smtplib.SMTP, user: str, password: str) -> None:
        if not client.has_extn("auth"):
            raise DeliveryError(f"{self.where} does not offer AUTH, but a login is configured")
        offered = client.esmtp_features["auth"].upper().split()
        mechanism = next((m for m in ("PLAIN", "LOGIN") if m in offered), None)
        if mechanism is None:
            raise DeliveryError(
                f"{self.where} offers AUTH {' '.join(offered)}; planreports logs in with PLAIN "
                "or LOGIN"
            )
        # smtplib.login() tries each offered mechanism in turn after a refusal: two failed
        # logins per run. One mechanism, one attempt.
        client.user, client.password = user, password
        try:
            client.auth(mechanism, getattr(client, f"auth_{mechanism.lower()}"))
        except smtplib.SMTPAuthenticationError as exc:
            smtp = self.smtp
            raise DeliveryError(
                f"SMTP login as {user!r} refused by {self.where} ({exc.smtp_code} "
                f"{_code_of(exc.smtp_error)}); not retried, since NHSmail locks an account after "
                f"repeated failed logins: check {smtp.username_env} and {smtp.password_env}"
            ) from exc

    def sendmail(self, sender: str, recipients: Sequence[str], data: bytes) -> dict[str, str]:
        """Send once; return refused recipient -> "code reply" (4xx ones are worth retrying)."""
        client = self.connect()
        client.body_sent = False
        try:
            refused = client.sendmail(sender, list(recipients), data)
        except smtplib.SMTPRecipientsRefused as exc:
            # A 421 mid-RCPT ends the transaction: the recipients not yet tried are temporary.
            refused = dict(exc.recipients)
            for r in recipients:
                refused.setdefault(r, (421, b"not tried: the server closed the transaction"))
            if any(code == 421 for code, _ in refused.values()):
                self.drop()
        except smtplib.SMTPSenderRefused as exc:
            text = f"sender {sender} refused: {exc.smtp_code} {_code_of(exc.smtp_error)}"
            if exc.smtp_code >= 500:
                raise PermanentFailure(
                    text + " (NHSmail requires `from` to be the login's own address)"
                ) from exc
            self.drop()
            raise TemporaryFailure(text) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise PermanentFailure(f"{self.where} cannot take this message: {exc}") from exc
        except smtplib.SMTPResponseException as exc:
            text = f"{exc.smtp_code} {_code_of(exc.smtp_error)}"
            self.drop()
            failure = TemporaryFailure if 400 <= exc.smtp_code < 500 else PermanentFailure
            raise failure(text) from exc
        except (smtplib.SMTPException, OSError) as exc:
            sent = client.body_sent
            self.drop()
            detail = str(exc) or type(exc).__name__
            if sent:
                raise OutcomeUnknown(
                    f"the connection to {self.where} was lost after the message was handed over "
                    f"and before the server confirmed it ({detail}): it may have been delivered"
                ) from exc
            raise TemporaryFailure(f"connection to {self.where} lost: {detail}") from exc
        return {r: f"{code} {_code_of(reply)}" for r, (code, reply) in refused.items()}

    def drop(self) -> None:
        _close(self.client)
        self.client = None

    def close(self) -> None:
        if self.client is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.client.quit()
        self.drop()


def _close(client: smtplib.SMTP | None) -> None:
    if client is not None:
        with contextlib.suppress(OSError):
            client.close()

