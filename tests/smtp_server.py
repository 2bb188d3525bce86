"""A real SMTP server for the delivery tests: aiosmtpd on 127.0.0.1, with TLS and AUTH options.

Not a mock: the client under test speaks SMTP over a socket to this server, which records
every message it accepts, and can refuse recipients, hang up, or stop part way through a run
as a real relay does.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    """One message the server accepted: its envelope and the bytes of DATA."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    content: bytes
    tls: bool
    login: str | None


@dataclass
class RecordingHandler:
    """Accepts mail and records it; optionally misbehaves the way real relays do.

    refuse: address -> reply for its RCPT (e.g. "550 5.1.1 No such user").
    refuse_once: address -> reply for its first RCPT only (a temporary refusal that clears).
    stop_after: after this many accepted messages, the next MAIL finds the server gone (the
        connection is dropped and `on_stop` is run in another thread, e.g. Controller.stop).
    hang_up_on_data: read the whole message, then drop the connection without a reply, so
        the client cannot know whether it was delivered.
    """

    refuse: dict[str, str] = field(default_factory=dict)
    refuse_once: dict[str, str] = field(default_factory=dict)
    stop_after: int | None = None
    on_stop: object = None
    hang_up_on_data: bool = False
    messages: list[Received] = field(default_factory=list)
    ehlo_count: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        self.ehlo_count += 1
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        if self.stop_after is not None and len(self.messages) >= self.stop_after:
            server.transport.close()
            if callable(self.on_stop):
                threading.Thread(target=self.on_stop, daemon=True).start()
                self.on_stop = None
            return "421 4.3.2 Service shutting down"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse_once:
            return self.refuse_once.pop(address)
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with self._lock:
            self.messages.append(
                Received(
                    mail_from=envelope.mail_from,
                    rcpt_tos=tuple(envelope.rcpt_tos),
                    content=bytes(envelope.original_content or envelope.content),
                    # STARTTLS sets session.ssl; implicit TLS shows only on the transport.
                    tls=(session.ssl is not None
                         or server.transport.get_extra_info("sslcontext") is not None),
                    login=(
                        session.auth_data.login.decode()
                        if isinstance(session.auth_data, LoginPassword)
                        else None
                    ),
                )
            )
        if self.hang_up_on_data:
            # The message is in; the client never hears so. Abort skips the pending reply.
            server.transport.abort()
            return "250 OK"
        return "250 Message accepted for delivery"


@dataclass
class Authenticator:
    """Accepts one user/password and counts every attempt (NHSmail locks after a few)."""

    user: str
    password: str
    attempts: list[tuple[str, str]] = field(default_factory=list)

    def __call__(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode()
        self.attempts.append((mechanism, login))
        if login == self.user and auth_data.password.decode() == self.password:
            return AuthResult(success=True, auth_data=auth_data)
        # handled=False makes aiosmtpd answer 535; handled=True would leave the client waiting.
        return AuthResult(success=False, handled=False)


@dataclass(frozen=True)
class Certificates:
    """A test CA and a server certificate it signed for 127.0.0.1 and localhost."""

    ca_file: Path
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


def make_certificates(folder: Path) -> Certificates:
    """Generate a self-signed CA and a server certificate signed by it, as PEM files."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "planreports test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    out = Certificates(folder / "ca.pem", folder / "server.pem", folder / "server-key.pem")
    out.ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    out.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    out.key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return out


def start_server(
    handler: RecordingHandler,
    port: int,
    *,
    starttls: Certificates | None = None,
    implicit_tls: Certificates | None = None,
    authenticator: Authenticator | None = None,
    auth_exclude_mechanism: tuple[str, ...] = (),
) -> Controller:
    """Start aiosmtpd on 127.0.0.1:port in its own thread; the caller stops it."""
    options: dict[str, object] = {}
    if starttls is not None:
        options["tls_context"] = starttls.server_context()
        options["require_starttls"] = True
    if authenticator is not None:
        options["authenticator"] = authenticator
        options["auth_required"] = True
        options["auth_exclude_mechanism"] = list(auth_exclude_mechanism)
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        server_hostname="localhost",
        ready_timeout=5,
        ssl_context=implicit_tls.server_context() if implicit_tls else None,
        # Keep the message exactly as sent, so attachments can be compared byte for byte.
        decode_data=False,
        **options,
    )
    controller.start()
    return controller
