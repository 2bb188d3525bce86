"""Delivery against a real SMTP server on 127.0.0.1: packs, refusals, restarts, TLS, login, chase.

Every test builds a working folder in tmp_path (config.yaml from the sample, an
outputs/<period>/run.json as the pipeline writes it, small real .xlsx and .pptx files) and a
real SQLite history file, then talks SMTP to aiosmtpd (tests/smtp_server.py).
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from pptx import Presentation
from smtp_server import (
    Authenticator,
    Certificates,
    RecordingHandler,
    free_port,
    make_certificates,
    start_server,
)

from planreports.config import Config, load_config
from planreports.deliver import chase_returns, send_packs
from planreports.errors import DeliveryError

ROOT = Path(__file__).resolve().parents[1]
SLUG = "fy18-q2"
SECRETARY = "board.secretary@example.nhs.uk"
QUALITY = "quality.chair@example.nhs.uk"
FINANCE = "finance.chair@example.nhs.uk"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
USER_ENV, PASSWORD_ENV = "PLANREPORTS_TEST_SMTP_USER", "PLANREPORTS_TEST_SMTP_PASSWORD"

BOARD_ONLY = [{"pack": "board", "to": [SECRETARY], "attach": ["xlsx", "pptx"]}]


# --- the working folder --------------------------------------------------------------------------


def _workbook(path: Path, title: str) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Dashboard"
    sheet.append(["Priority", "RAG", "Project", "Progress update", "Lead"])
    sheet.append(["P1", "Amber", title, "Strategy drafted; consultation slipped", "DoN"])
    book.save(path)


def _deck(path: Path, title: str) -> None:
    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[0])
    slide.shapes.title.text = title
    deck.save(path)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_outputs(folder: Path) -> Path:
    """outputs/fy18-q2 as the pipeline leaves it: packs, returns and run.json."""
    out = folder / "outputs" / SLUG
    (out / "returns").mkdir(parents=True)
    outputs = []
    for pack, title in (("board", "Trust Board"), ("quality-committee", "Quality Committee"),
                        ("finance-committee", "Finance and Investment Committee")):
        _workbook(out / f"{pack}.xlsx", title)
        _deck(out / f"{pack}.pptx", title)
        for kind in ("xlsx", "pptx"):
            path = out / f"{pack}.{kind}"
            outputs.append({"pack": pack, "kind": kind, "path": path.name,
                            "sha256": _sha256(path)})
    # Named as planreports.returns names them; a deputy's return must never go to the director.
    _workbook(out / "returns" / "Return - Head-of-Patient-Experience - fy18-q2.xlsx", "Return")
    _workbook(out / "returns" / "Return - Deputy-Director-of-Nursing - fy18-q2.xlsx", "Return")
    run = {
        "version": 1,
        "period": "FY18 Q2",
        "as_of": "2017-09-30",
        "inputs": [],
        "items": [],
        "counts": {"P1": {"R": 1, "A": 2}},
        "findings": [
            {"code": "patient-identifier", "severity": "error",
             "message": "looks like an NHS number", "file": "Finance.xlsx", "sheet": "Sheet1",
             "cell": "D7", "priority": "P5",
             "workstream": "Deliver the Cost Improvement Programme"},
            {"code": "missing-return", "severity": "warning",
             "message": "no tracker reports on this workstream", "file": None, "sheet": None,
             "cell": None, "priority": "P1", "workstream": "Deliver the carers strategy"},
            {"code": "missing-return", "severity": "warning",
             "message": "no tracker reports on this workstream", "file": None, "sheet": None,
             "cell": None, "priority": "P1",
             "workstream": "Deliver patient involvement and experience strategy"},
            {"code": "stale-update", "severity": "warning", "message": "same as FY18 Q1",
             "file": "Nursing.xlsx", "sheet": "Q2", "cell": "D5", "priority": "P1",
             "workstream": "Deliver patient involvement and experience strategy"},
            {"code": "missing-return", "severity": "warning",
             "message": "no tracker reports on this workstream", "file": None, "sheet": None,
             "cell": None, "priority": "P3", "workstream": "Deliver Quality Account priorities"},
        ],
        "outputs": outputs,
        "packs": [
            {"name": "board", "title": "Trust Board", "items": 12,
             "counts": {"R": 2, "A": 4, "G": 5, "B": 1}, "emailable": True, "blocked_reason": ""},
            {"name": "quality-committee", "title": "Quality Committee", "items": 7,
             "counts": {"R": 1, "A": 3, "G": 3}, "emailable": True, "blocked_reason": ""},
            {"name": "finance-committee", "title": "Finance and Investment Committee",
             "items": 4, "counts": {"A": 2, "G": 2}, "emailable": False,
             "blocked_reason": "patient-identifier in Finance.xlsx!Sheet1!D7"},
        ],
    }
    (out / "run.json").write_text(json.dumps(run, indent=2), encoding="utf-8")
    return out


def _make_config(folder: Path, port: int, *, send: list[dict] | None = None,
                 organisation: str | None = None, **smtp: Any) -> Config:
    raw = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    if organisation:
        raw["organisation"] = organisation
    raw["outputs"] = {"folder": "outputs", "history": "outputs/history.sqlite"}
    raw["templates"] = {"folder": "templates", "deck": "templates/deck.pptx"}
    raw["email"] = {
        "smtp": {"host": "127.0.0.1", "port": port, "starttls": False, "timeout_seconds": 1,
                 **smtp},
        "from": "pmo@example.nhs.uk",
        "send": send if send is not None else BOARD_ONLY,
    }
    (folder / "config.yaml").write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return load_config(folder / "config.yaml")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    _write_outputs(tmp_path)
    return tmp_path


@pytest.fixture
def servers() -> Iterator[Callable[..., Any]]:
    """Start servers on demand; stop whatever is still running at the end."""
    started = []

    def start(handler: RecordingHandler, port: int, **options: Any):
        controller = start_server(handler, port, **options)
        started.append(controller)
        return controller

    yield start
    for controller in started:
        if controller._thread is not None:
            controller.stop()


def _parse(content: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(content, policy=email.policy.default)


def _attachments(message: email.message.EmailMessage) -> list[tuple[str, str, bytes]]:
    return [(part.get_filename(), part.get_content_type(), part.get_content())
            for part in message.iter_attachments()]


def _log(folder: Path) -> list[tuple]:
    with sqlite3.connect(folder / "outputs" / "history.sqlite") as db:
        return db.execute(
            "SELECT kind, name, round, recipient, state FROM send_log ORDER BY id"
        ).fetchall()


# --- sending packs -------------------------------------------------------------------------------


def test_pack_is_received_whole(folder: Path, servers) -> None:
    port = free_port()
    handler = RecordingHandler()
    servers(handler, port)
    config = _make_config(folder, port)

    report = send_packs(config)

    assert report.states() == [("board", SECRETARY, "sent")]
    assert not report.blocked and report.exit_code == 0
    [received] = handler.messages
    assert (received.mail_from, received.rcpt_tos) == ("pmo@example.nhs.uk", (SECRETARY,))
    message = _parse(received.content)
    assert message["Subject"] == (
        "Oxford Health NHS Foundation Trust: Trust Board pack, Business Plan FY18 Q2 "
        "(12 items: 2 Red, 4 Amber, 5 Green, 1 Blue)"
    )
    assert (message["From"], message["To"]) == ("pmo@example.nhs.uk", SECRETARY)
    assert message["Message-ID"] == report.deliveries[0].message_id
    assert message["Message-ID"].endswith("@example.nhs.uk>")
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Trust Board pack of the Oxford Health NHS Foundation Trust Business Plan for FY18 Q2" \
        in text
    assert "12 items: 2 Red, 4 Amber, 5 Green, 1 Blue." in text
    assert "<strong>Trust Board</strong>" in html and ">Red</td>" in html
    out = folder / "outputs" / SLUG
    name = "Oxford Health NHS Foundation Trust - Trust Board - FY18 Q2"
    assert _attachments(message) == [
        (f"{name}.xlsx", XLSX, (out / "board.xlsx").read_bytes()),
        (f"{name}.pptx", PPTX, (out / "board.pptx").read_bytes()),
    ]
    assert _log(folder) == [("send", "board", 1, SECRETARY, "sent")]


def test_refused_recipient_is_reported_by_name_and_the_other_is_sent(
    folder: Path, servers
) -> None:
    port = free_port()
    handler = RecordingHandler(refuse={"nobody@example.nhs.uk": "550 5.1.1 No such user"})
    servers(handler, port)
    send = [{"pack": "board", "to": [SECRETARY], "cc": ["Nobody <nobody@example.nhs.uk>"],
             "attach": ["xlsx"]}]
    config = _make_config(folder, port, send=send)

    report = send_packs(config)

    assert report.states() == [("board", SECRETARY, "sent"),
                               ("board", "nobody@example.nhs.uk", "failed")]
    assert "nobody@example.nhs.uk" in report.deliveries[1].reason
    assert "550 5.1.1 No such user" in report.deliveries[1].reason
    assert [m.rcpt_tos for m in handler.messages] == [(SECRETARY,)]
    assert _parse(handler.messages[0].content)["Cc"] == "Nobody <nobody@example.nhs.uk>"

    again = send_packs(config)  # retries only the refused one; the secretary is not sent twice
    assert again.states() == [("board", SECRETARY, "skipped-already-sent"),
                              ("board", "nobody@example.nhs.uk", "failed")]
    assert len(handler.messages) == 1
    assert again.deliveries[1].message_id == report.deliveries[1].message_id


def test_temporary_refusal_is_retried_in_the_same_run(folder: Path, servers) -> None:
    port = free_port()
    handler = RecordingHandler(refuse_once={SECRETARY: "451 4.3.0 Try again later"})
    servers(handler, port)
    config = _make_config(folder, port)

    report = send_packs(config)

    assert report.states() == [("board", SECRETARY, "sent")]
    assert [m.rcpt_tos for m in handler.messages] == [(SECRETARY,)]


def test_server_stopped_mid_run_then_run_again_sends_only_what_did_not_go(
    folder: Path, servers
) -> None:
    port = free_port()
    send = [{"pack": "board", "to": [SECRETARY], "attach": ["xlsx"]},
            {"pack": "quality-committee", "to": [QUALITY], "attach": ["xlsx", "pptx"]}]
    config = _make_config(folder, port, send=send)
    stopped = threading.Event()
    first = RecordingHandler(stop_after=1)
    controller = servers(first, port)
    first.on_stop = lambda: (controller.stop(), stopped.set())

    report = send_packs(config)

    assert stopped.wait(5)
    assert report.states() == [("board", SECRETARY, "sent"),
                               ("quality-committee", QUALITY, "failed")]
    assert "127.0.0.1" in report.deliveries[1].reason
    assert [m.rcpt_tos for m in first.messages] == [(SECRETARY,)]
    assert _log(folder) == [("send", "board", 1, SECRETARY, "sent"),
                            ("send", "quality-committee", 1, QUALITY, "failed")]

    second = RecordingHandler()
    servers(second, port)
    again = send_packs(config)

    assert again.states() == [("board", SECRETARY, "skipped-already-sent"),
                              ("quality-committee", QUALITY, "sent")]
    assert [m.rcpt_tos for m in second.messages] == [(QUALITY,)]
    # The Message-ID was made once, when the message was first queued, and reused.
    assert _parse(second.messages[0].content)["Message-ID"] == report.deliveries[1].message_id
    assert _log(folder) == [("send", "board", 1, SECRETARY, "sent"),
                            ("send", "quality-committee", 1, QUALITY, "sent")]
    assert send_packs(config).states() == [("board", SECRETARY, "skipped-already-sent"),
                                           ("quality-committee", QUALITY, "skipped-already-sent")]
    assert len(second.messages) == 1


def test_lost_reply_is_delivery_unknown_and_resent_only_when_asked(
    folder: Path, servers
) -> None:
    port = free_port()
    handler = RecordingHandler(hang_up_on_data=True)
    servers(handler, port)
    config = _make_config(folder, port)

    report = send_packs(config)
    assert report.states() == [("board", SECRETARY, "delivery-unknown")]
    assert "may have been delivered" in report.deliveries[0].reason
    assert len(handler.messages) == 1  # it did arrive; the client could not know
    assert _log(folder) == [("send", "board", 1, SECRETARY, "sending")]

    handler.hang_up_on_data = False
    assert send_packs(config).states() == [("board", SECRETARY, "delivery-unknown")]
    assert len(handler.messages) == 1

    resent = send_packs(config, retry_unknown=True)
    assert resent.states() == [("board", SECRETARY, "sent")]
    assert [_parse(m.content)["Message-ID"] for m in handler.messages] == [
        report.deliveries[0].message_id
    ] * 2


def test_patient_identifier_pack_is_never_sent(folder: Path, servers) -> None:
    port = free_port()
    handler = RecordingHandler()
    servers(handler, port)
    send = [{"pack": "finance-committee", "to": [FINANCE], "attach": ["xlsx", "pptx"]},
            *BOARD_ONLY]
    config = _make_config(folder, port, send=send)

    report = send_packs(config)

    assert report.states() == [("finance-committee", FINANCE, "blocked"),
                               ("board", SECRETARY, "sent")]
    assert report.blocked and report.exit_code == 1
    assert "Finance.xlsx!Sheet1!D7" in report.deliveries[0].reason
    assert [m.rcpt_tos for m in handler.messages] == [(SECRETARY,)]
    assert send_packs(config, dry_run=True).blocked
    assert not (folder / "outputs" / SLUG / "email" / "send-finance-committee.eml").exists()


def test_attachments_over_the_limit_are_refused_before_connecting(
    folder: Path, servers
) -> None:
    port = free_port()
    handler = RecordingHandler()
    servers(handler, port)
    config = _make_config(folder, port, max_attachment_mb=0.001)

    report = send_packs(config)

    assert report.states() == [("board", SECRETARY, "failed")]
    assert "over email.smtp.max_attachment_mb (0.001 MB)" in report.deliveries[0].reason
    assert handler.ehlo_count == 0 and handler.messages == []


def test_dry_run_writes_eml_files_and_records_nothing(folder: Path, servers) -> None:
    port = free_port()
    handler = RecordingHandler()
    servers(handler, port)
    send = [*BOARD_ONLY,
            {"pack": "quality-committee", "to": [QUALITY], "cc": [SECRETARY], "attach": ["pptx"]}]
    config = _make_config(folder, port, send=send)
    out = folder / "outputs" / SLUG

    report = send_packs(config, dry_run=True)

    assert report.states() == [("board", SECRETARY, "dry-run"),
                               ("quality-committee", QUALITY, "dry-run"),
                               ("quality-committee", SECRETARY, "dry-run")]
    assert [d.eml for d in report.deliveries] == [
        out / "email" / "send-board.eml", *[out / "email" / "send-quality-committee.eml"] * 2
    ]
    board = _parse((out / "email" / "send-board.eml").read_bytes())
    quality = _parse((out / "email" / "send-quality-committee.eml").read_bytes())
    assert board["To"] == SECRETARY and board["Message-ID"] == report.deliveries[0].message_id
    assert "Trust Board pack" in board["Subject"]
    assert [(n, t) for n, t, _ in _attachments(board)] == [
        ("Oxford Health NHS Foundation Trust - Trust Board - FY18 Q2.xlsx", XLSX),
        ("Oxford Health NHS Foundation Trust - Trust Board - FY18 Q2.pptx", PPTX),
    ]
    assert (quality["To"], quality["Cc"]) == (QUALITY, SECRETARY)
    assert _attachments(quality) == [(
        "Oxford Health NHS Foundation Trust - Quality Committee - FY18 Q2.pptx", PPTX,
        (out / "quality-committee.pptx").read_bytes(),
    )]
    assert "(7 items: 1 Red, 3 Amber, 3 Green)" in quality["Subject"]
    assert handler.ehlo_count == 0
    assert not (folder / "outputs" / "history.sqlite").exists()

    sent = send_packs(config)  # the dry run recorded nothing as sent
    assert [d.state for d in sent.deliveries] == ["sent"] * 3
    assert [m.rcpt_tos for m in handler.messages] == [(SECRETARY,), (QUALITY, SECRETARY)]


# --- TLS and login -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("tls"))


@pytest.mark.parametrize("only", ["PLAIN", "LOGIN"])
def test_starttls_with_a_trusted_ca_and_login_from_the_environment(
    folder: Path, servers, certificates: Certificates, monkeypatch: pytest.MonkeyPatch, only: str
) -> None:
    port = free_port()
    handler = RecordingHandler()
    authenticator = Authenticator("pmo@example.nhs.uk", "correct horse")
    other = {"PLAIN": "LOGIN", "LOGIN": "PLAIN"}[only]
    servers(handler, port, starttls=certificates, authenticator=authenticator,
            auth_exclude_mechanism=(other,))
    monkeypatch.setenv(USER_ENV, "pmo@example.nhs.uk")
    monkeypatch.setenv(PASSWORD_ENV, "correct horse")
    config = _make_config(folder, port, starttls=True, ca_file=str(certificates.ca_file),
                          username_env=USER_ENV, password_env=PASSWORD_ENV)

    report = send_packs(config)

    assert report.states() == [("board", SECRETARY, "sent")]
    assert authenticator.attempts == [(only, "pmo@example.nhs.uk")]
    [received] = handler.messages
    assert (received.tls, received.login) == (True, "pmo@example.nhs.uk")


def test_implicit_tls_on_the_ssl_port(
    folder: Path, servers, certificates: Certificates
) -> None:
    port = free_port()
    handler = RecordingHandler()
    servers(handler, port, implicit_tls=certificates)
    config = _make_config(folder, port, ssl=True, ca_file=str(certificates.ca_file))

    assert send_packs(config).states() == [("board", SECRETARY, "sent")]
    assert [m.tls for m in handler.messages] == [True]


def test_wrong_password_stops_the_run_after_exactly_one_attempt(
    folder: Path, servers, certificates: Certificates, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    handler = RecordingHandler()
    authenticator = Authenticator("pmo@example.nhs.uk", "correct horse")
    servers(handler, port, starttls=certificates, authenticator=authenticator)
    monkeypatch.setenv(USER_ENV, "pmo@example.nhs.uk")
    monkeypatch.setenv(PASSWORD_ENV, "wrong")
    send = [*BOARD_ONLY, {"pack": "quality-committee", "to": [QUALITY], "attach": ["xlsx"]}]
    config = _make_config(folder, port, send=send, starttls=True,
                          ca_file=str(certificates.ca_file),
                          username_env=USER_ENV, password_env=PASSWORD_ENV)

    with pytest.raises(DeliveryError) as caught:
        send_packs(config)

    message = str(caught.value)
    assert "login as 'pmo@example.nhs.uk' refused" in message and "535" in message
    assert USER_ENV in message and PASSWORD_ENV in message and "wrong" not in message
    assert len(authenticator.attempts) == 1
    assert handler.messages == []

    monkeypatch.setenv(PASSWORD_ENV, "correct horse")  # fixed: the queued messages now go
    assert [d.state for d in send_packs(config).deliveries] == ["sent", "sent"]
    assert len(handler.messages) == 2


def test_missing_environment_variable_is_named_before_connecting(
    folder: Path, servers, certificates: Certificates, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    handler = RecordingHandler()
    servers(handler, port, starttls=certificates)
    monkeypatch.setenv(USER_ENV, "pmo@example.nhs.uk")
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    config = _make_config(folder, port, starttls=True, ca_file=str(certificates.ca_file),
                          username_env=USER_ENV, password_env=PASSWORD_ENV)

    with pytest.raises(DeliveryError, match=f"environment variable {PASSWORD_ENV} is not set"):
        send_packs(config)
    assert handler.ehlo_count == 0


def test_untrusted_certificate_is_refused(
    folder: Path, servers, certificates: Certificates
) -> None:
    port = free_port()
    handler = RecordingHandler()
    servers(handler, port, starttls=certificates)
    config = _make_config(folder, port, starttls=True)  # no ca_file: the test CA is unknown

    with pytest.raises(DeliveryError, match="certificate of 127.0.0.1:.* is not trusted"):
        send_packs(config)
    assert handler.messages == []


# --- chasing returns -----------------------------------------------------------------------------


def test_chase_emails_each_lead_once_with_their_return(folder: Path, servers) -> None:
    port = free_port()
    handler = RecordingHandler()
    servers(handler, port)
    config = _make_config(folder, port)
    (folder / "leads.yaml").write_text(
        "Head of Patient Experience: Sam Jones <sam.jones@example.nhs.uk>\n"
        "director of  nursing: nursing.director@example.nhs.uk\n",
        encoding="utf-8",
    )

    report = chase_returns(config)

    assert report.states() == [
        ("Medical Director", "", "no-address"),
        ("Head of Patient Experience", "sam.jones@example.nhs.uk", "sent"),
        ("Director of Nursing", "nursing.director@example.nhs.uk", "sent"),
    ]
    assert "no address for 'Medical Director' in leads.yaml" in report.deliveries[0].reason
    assert "without a return template" in report.deliveries[2].reason
    hope, nursing = (_parse(m.content) for m in handler.messages)
    assert hope["To"] == "Sam Jones <sam.jones@example.nhs.uk>"
    assert hope["Subject"].startswith(
        "Business Plan FY18 Q2: return needed from Head of Patient Experience by "
    )
    body = hope.get_body(("plain",)).get_content()
    assert "- P1 Joint endeavour: Deliver the carers strategy (no return)" in body
    assert _attachments(hope) == [(
        "Oxford Health NHS Foundation Trust - Business Plan return - Head of Patient Experience"
        " - FY18 Q2.xlsx",
        XLSX,
        (folder / "outputs" / SLUG / "returns"
         / "Return - Head-of-Patient-Experience - fy18-q2.xlsx").read_bytes(),
    )]
    assert _attachments(nursing) == []
    nursing_body = nursing.get_body(("plain",)).get_content()
    assert "Deliver patient involvement and experience strategy (no return)" in nursing_body
    assert "Deliver patient involvement and experience strategy (update unchanged)" \
        in nursing_body

    assert [d.state for d in chase_returns(config).deliveries] == [
        "no-address", "skipped-already-sent", "skipped-already-sent"
    ]
    assert len(handler.messages) == 2

    again = chase_returns(config, again=True)
    assert [d.state for d in again.deliveries] == ["no-address", "sent", "sent"]
    assert len(handler.messages) == 4
    assert again.deliveries[1].message_id != report.deliveries[1].message_id
    assert [row[:3] for row in _log(folder)] == [
        ("chase", "Head of Patient Experience", 1), ("chase", "Director of Nursing", 1),
        ("chase", "Head of Patient Experience", 2), ("chase", "Director of Nursing", 2),
    ]


def test_chase_dry_run_with_addresses_given(folder: Path, servers) -> None:
    port = free_port()
    handler = RecordingHandler()
    servers(handler, port)
    config = _make_config(folder, port)

    report = chase_returns(config, dry_run=True,
                           addresses={"Medical Director": "md@example.nhs.uk"})

    assert report.states() == [
        ("Head of Patient Experience", "", "no-address"),
        ("Director of Nursing", "", "no-address"),
        ("Medical Director", "md@example.nhs.uk", "dry-run"),
    ]
    eml = folder / "outputs" / SLUG / "email" / "chase-medical-director.eml"
    assert report.deliveries[2].eml == eml
    parsed = _parse(eml.read_bytes())
    assert parsed["To"] == "md@example.nhs.uk"
    assert "Deliver Quality Account priorities (no return)" in parsed.get_content()
    assert handler.messages == []


# --- the send log and the templates ------------------------------------------------------------


def test_send_log_is_versioned_and_a_newer_one_is_refused(folder: Path, servers) -> None:
    port = free_port()
    servers(RecordingHandler(), port)
    config = _make_config(folder, port)
    send_packs(config)
    history = folder / "outputs" / "history.sqlite"
    with sqlite3.connect(history) as db:
        assert db.execute("SELECT version FROM deliver_schema").fetchall() == [(1,)]
        db.execute("UPDATE deliver_schema SET version = 99")

    with pytest.raises(DeliveryError, match="schema version 99, newer than this planreports"):
        send_packs(config)


def test_html_body_escapes_what_it_quotes(folder: Path, servers) -> None:
    port = free_port()
    servers(RecordingHandler(), port)
    config = _make_config(folder, port, organisation="Barts & The <London> NHS Trust")

    report = send_packs(config, dry_run=True)

    parsed = _parse(report.deliveries[0].eml.read_bytes())
    html = parsed.get_body(("html",)).get_content()
    text = parsed.get_body(("plain",)).get_content()
    assert "Barts &amp; The &lt;London&gt; NHS Trust" in html and "<London>" not in html
    assert "Barts & The <London> NHS Trust" in text
    assert [a for a, _, _ in _attachments(parsed)][0] == (
        "Barts & The -London- NHS Trust - Trust Board - FY18 Q2.xlsx"
    )
