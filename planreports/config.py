"""config.yaml -> a validated, frozen Config; errors name the file, line and key path."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from planreports.config_bounds import check_expansion, check_size
from planreports.config_errors import (
    UniqueKeyLoader,
    format_path,
    line_index,
    model_errors,
    yaml_problem,
)
from planreports.errors import ConfigError, UsageError

DECK_MAX_ROWS = 100
ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
HEX_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
CANONICAL_COLUMNS = (
    "priority", "workstream", "item", "rag", "update", "lead", "directorate", "committee",
    "due", "milestone", "metric", "id", "organisation",
)


def _as_date(value: Any, expected: str) -> Any:  # noqa: ANN401 - what YAML gave
    """A date from YAML's date, datetime or ISO text; anything else is left to pydantic."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(expected) from None
    return value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


PERIOD_CHARS = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 /_.()&,'-]*$")
YEAR = re.compile(r"\d\d")


def period_problem(label: str) -> str | None:
    """Why `label` cannot name a period, or None when it can.

    A period label is the history's key and, slugified, the output folder's name: it must name
    its year (so 'Q3' of one year never replaces another's), and be plain words (so
    '../../etc' is never a folder path).
    """
    text = label.strip()
    example = "expected a label such as 'FY18 Q2', '2019/20 Q3' or 'September 2017'"
    if not text:
        return f"empty: {example}"
    if len(text) > 60:
        return f"{len(text)} characters; at most 60: {example}"
    if not PERIOD_CHARS.match(text) or ".." in text:
        return f"{text!r} is not a period label: {example} (letters, digits, spaces, / and -)"
    if not YEAR.search(text):
        return f"{text!r} names no year: {example}"
    return None


class Report(_Model):
    title: str
    period: str
    as_of: dt.date

    @field_validator("period")
    @classmethod
    def _period_label(cls, value: str) -> str:
        problem = period_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("as_of", mode="before")
    @classmethod
    def _date_only(cls, value: Any) -> Any:
        return _as_date(value, "expected a date as YYYY-MM-DD")


class RagStatus(_Model):
    key: str = Field(min_length=1)
    label: str = Field(min_length=1)
    colour: str
    meaning: str = ""
    aliases: tuple[str, ...] = ()
    complete: bool = False

    @field_validator("colour")
    @classmethod
    def _hex(cls, value: str) -> str:
        if not HEX_COLOUR.match(value):
            raise ValueError('expected a colour as "#RRGGBB"')
        return value.upper()


class Workstream(_Model):
    title: str = Field(min_length=1)
    id: str | None = None
    aliases: tuple[str, ...] = ()
    lead: str | None = None
    committee: str | None = None
    # In a system's plan, the members that deliver it (and so owe a return on it); unset:
    # the priority's, else every organisation.
    organisations: tuple[str, ...] = ()


class Priority(_Model):
    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    short: str | None = None
    lead: str | None = None
    committee: str | None = None
    aliases: tuple[str, ...] = ()
    workstreams: tuple[Workstream, ...] = ()
    organisations: tuple[str, ...] = ()  # the members that deliver it; unset: every one

    @field_validator("workstreams", mode="before")
    @classmethod
    def _titles(cls, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        out = []
        for entry in value:
            if isinstance(entry, str) and entry.strip():
                out.append({"title": entry})
            elif isinstance(entry, dict):
                out.append(entry)
            else:
                out.append(None)  # reported as "expected a title" by _model_errors
        return out

    @property
    def label(self) -> str:
        return self.short or self.title


class Inputs(_Model):
    folder: str = "inputs"
    columns: dict[str, tuple[str, ...]] = {}
    password_env: str | None = None
    timeout_seconds: float = 60.0
    memory_mb: int = 2048

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for name in value:
            if name not in CANONICAL_COLUMNS:
                raise ValueError(
                    f"unknown field {name!r}: expected one of {', '.join(CANONICAL_COLUMNS)}"
                )
        return value


class Paper(_Model):
    """The pack as an agenda item: what the cover report's cover sheet says (all optional)."""

    meeting: str | None = None  # unset: the pack's title
    date: dt.date | None = None  # of the meeting
    agenda_item: str | None = None
    title: str | None = None  # the paper's title; unset: "<report.title>: <period> report"
    author: str | None = None  # "report by"
    lead_director: str | None = None
    purpose: Literal["decision", "assurance", "discussion", "information"] | None = None
    assurance_level: str | None = None  # the trust's own scale, e.g. "Reasonable"
    baf_risks: tuple[str, ...] = ()  # board assurance framework risks the paper links to
    previously_considered_by: str | None = None  # e.g. "Executive Committee, 24 October 2017"
    recommendation: str | None = None
    equality_statement: str | None = None

    @field_validator("agenda_item", mode="before")
    @classmethod
    def _number_as_text(cls, value: Any) -> Any:
        # `agenda_item: 12` is a number to YAML and a label to the board.
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        return value

    @field_validator("date", mode="before")
    @classmethod
    def _meeting_date(cls, value: Any) -> Any:
        return _as_date(value, "expected the meeting's date as YYYY-MM-DD")

    @field_validator("purpose", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value


class Organisation(_Model):
    """A member of a system or region whose trackers report on the same plan."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=40)
    name: str = Field(min_length=1)
    # How a tracker's Organisation / Trust / Provider column may name it, besides id and name.
    aliases: tuple[str, ...] = ()
    # Where its trackers are: a sub-folder of the inputs folder, and/or a glob on the file's
    # path under inputs/ (or on its name alone), e.g. "nbt-*.xlsx".
    folder: str | None = None
    pattern: str | None = None

    @field_validator("folder")
    @classmethod
    def _inside_inputs(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = Path(value.replace("\\", "/")).parts
        if not parts or Path(value).is_absolute() or ".." in parts:
            raise ValueError("expected a sub-folder of the inputs folder, e.g. 'nbt'")
        return "/".join(parts)

    @property
    def names(self) -> tuple[str, ...]:
        return (self.id, self.name, *self.aliases)


class Pack(_Model):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    committees: tuple[str, ...] = ()
    # Organisation ids this pack holds (a member's own pack); unset: all of them (the roll-up).
    organisations: tuple[str, ...] = ()
    # Who reads it: a board or committee pack is tabled; a PMO pack is the office's own working
    # copy. Unset: "committee" when committees are given, else "board".
    audience: Literal["board", "committee", "pmo"] | None = None
    # The deck's data-quality appendix; unset: only in a PMO pack (findings go to the PMO,
    # not the board: the workbook of every pack still lists them all).
    data_quality: bool | None = None
    # The body size of every table on the deck's slides, in points (accessible papers: >= 10).
    font_size: float = Field(default=12.0, ge=10.0, le=24.0)
    # The cover report's cover sheet (meeting, date, purpose, ...): see Paper.
    paper: Paper = Paper()
    # This pack's own deck.max_rows (unset: the config's).
    max_rows: int | None = Field(default=None, ge=1)

    @property
    def reader(self) -> str:
        """board, committee or pmo: `audience`, or what the pack's committees imply."""
        return self.audience or ("committee" if self.committees else "board")

    @property
    def carries_data_quality(self) -> bool:
        return self.data_quality if self.data_quality is not None else self.reader == "pmo"


class IdentifierPattern(_Model):
    """A trust's own patient-identifier shape, e.g. its hospital numbers."""

    name: str = Field(min_length=1)
    pattern: str = Field(min_length=1, max_length=500)

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            compiled = re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression ({exc})") from None
        if compiled.fullmatch(""):
            raise ValueError("the pattern matches empty text, so it would mask everything")
        return value


class Privacy(_Model):
    identifiers: tuple[IdentifierPattern, ...] = ()


class Deck(_Model):
    # Above this many items a deck is a summary board paper (summary, exceptions worst first,
    # the full register left to the workbook), not one row per item: a few hundred rows are
    # already a hundred slides, which no board reads.
    max_rows: int = Field(default=DECK_MAX_ROWS, ge=1)


class Outputs(_Model):
    folder: str = "outputs"
    history: str = "outputs/history.sqlite"
    # <pack>.pdf for the board portal (cover report, then the slides), made with LibreOffice.
    pdf: bool = False


class Templates(_Model):
    folder: str = "templates"
    deck: str = "templates/deck.pptx"
    cover: str = "templates/cover.docx"  # the cover report (docxtpl: jinja2 in Word)


class Smtp(_Model):
    host: str
    port: int = 587
    starttls: bool = True
    ssl: bool = False
    username_env: str | None = None
    password_env: str | None = None
    ca_file: str | None = None
    timeout_seconds: float = 30.0
    max_attachment_mb: float = 35.0


class Send(_Model):
    pack: str
    to: tuple[str, ...] = Field(min_length=1)
    cc: tuple[str, ...] = ()
    attach: tuple[Literal["xlsx", "pptx", "docx", "pdf"], ...] = ("xlsx",)


class Email(_Model):
    smtp: Smtp
    from_: str = Field(alias="from")
    send: tuple[Send, ...] = ()
    chase_deadline_days: int = 10


class Config(_Model):
    organisation: str
    report: Report
    rag: tuple[RagStatus, ...] = Field(min_length=1)
    priorities: tuple[Priority, ...] = Field(min_length=1)
    inputs: Inputs = Inputs()
    packs: tuple[Pack, ...] = (Pack(name="board", title="Board"),)
    outputs: Outputs = Outputs()
    templates: Templates = Templates()
    deck: Deck = Deck()
    email: Email | None = None
    privacy: Privacy = Privacy()
    # A system or region's members; none: one organisation (`organisation`), as a trust has.
    organisations: tuple[Organisation, ...] = ()

    _path: Path = PrivateAttr(default=Path("config.yaml"))
    _warnings: tuple[str, ...] = PrivateAttr(default=())

    @property
    def path(self) -> Path:
        return self._path

    def __repr__(self) -> str:
        return f"<Config {self.organisation}, {self.report.period}, {self._path.name}>"

    @property
    def base_dir(self) -> Path:
        return self._path.parent

    @property
    def warnings(self) -> tuple[str, ...]:
        """Things allowed but probably unintended (e.g. a pack naming an unknown committee)."""
        return self._warnings

    def resolve(self, relative: str) -> Path:
        path = Path(relative).expanduser()
        return path if path.is_absolute() else (self.base_dir / path)

    @property
    def inputs_dir(self) -> Path:
        return self.resolve(self.inputs.folder)

    @property
    def outputs_dir(self) -> Path:
        return self.resolve(self.outputs.folder)

    @property
    def deck_template(self) -> Path:
        return self.resolve(self.templates.deck)

    @property
    def cover_template(self) -> Path:
        """The working folder's cover.docx; the shipped one where the folder has none (a
        folder made before cover reports existed)."""
        path = self.resolve(self.templates.cover)
        if path.exists() or self.templates.cover != Templates().cover:
            return path
        return Path(__file__).resolve().parent / "init" / "templates" / "cover.docx"

    @property
    def history_url(self) -> str:
        value = self.outputs.history
        if "://" in value:
            return value
        return "sqlite:///" + str(self.resolve(value).resolve())

    def priority(self, pid: str | None) -> Priority | None:
        return next((p for p in self.priorities if p.id == pid), None)

    def rag_status(self, key: str | None) -> RagStatus | None:
        return next((r for r in self.rag if r.key == key), None)

    def pack(self, name: str) -> Pack | None:
        return next((p for p in self.packs if p.name == name), None)

    def organisation_named(self, oid: str | None) -> Organisation | None:
        return next((o for o in self.organisations if o.id == oid), None)

    def deck_max_rows(self, pack: Pack) -> int:
        """The most items `pack`'s deck lists one by one (its own max_rows, else deck's)."""
        return pack.max_rows if pack.max_rows is not None else self.deck.max_rows

    @property
    def period_slug(self) -> str:
        return slugify(self.report.period)

    def with_overrides(
        self,
        *,
        period: str | None = None,
        as_of: dt.date | None = None,
        inputs: str | Path | None = None,
        out: str | Path | None = None,
    ) -> Config:
        """The same config with command-line overrides applied (paths made absolute)."""
        if period is not None and (problem := period_problem(period)):
            raise UsageError(f"--period: {problem}")
        report = self.report.model_copy(
            update={k: v for k, v in (("period", period), ("as_of", as_of)) if v is not None}
        )
        update: dict[str, Any] = {"report": report}
        if inputs is not None:
            update["inputs"] = self.inputs.model_copy(
                update={"folder": str(Path(inputs).resolve())}
            )
        if out is not None:
            update["outputs"] = self.outputs.model_copy(update={"folder": str(Path(out).resolve())})
        new = self.model_copy(update=update)
        new._path = self._path
        new._warnings = self._warnings
        return new


def slugify(text: str) -> str:
    """'FY18 Q2' -> 'fy18-q2': a folder name that is safe on Windows and in a URL."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "period"


def _contract_errors(config: Config) -> tuple[list[tuple[tuple, str]], list[tuple[tuple, str]]]:
    """Rules pydantic cannot express: unique ids and aliases, env-var names, pack committees."""
    errors: list[tuple[tuple, str]] = []
    warnings: list[tuple[tuple, str]] = []
    seen_ids: dict[str, int] = {}
    for i, priority in enumerate(config.priorities):
        if priority.id in seen_ids:
            errors.append(((("priorities", i, "id")), (
                f"duplicate priority id {priority.id!r} (also priorities[{seen_ids[priority.id]}])"
            )))
        else:
            seen_ids[priority.id] = i
    seen_keys: dict[str, int] = {}
    claimed: dict[str, tuple[int, str]] = {}
    for i, status in enumerate(config.rag):
        if status.key in seen_keys:
            errors.append((("rag", i, "key"), (
                f"RAG key {status.key!r} used twice (also rag[{seen_keys[status.key]}])"
            )))
        else:
            seen_keys[status.key] = i
        words = {status.key, status.label, *status.aliases}
        for word in sorted({w.lower() for w in words}):
            owner = claimed.get(word)
            if owner and owner[0] != i:
                errors.append((("rag", i, "aliases"), (
                    f"alias {word!r} is claimed by both {owner[1]} and {status.label}"
                )))
            else:
                claimed[word] = (i, status.label)
    committees = {p.committee for p in config.priorities if p.committee}
    committees |= {w.committee for p in config.priorities for w in p.workstreams if w.committee}
    for i, pack in enumerate(config.packs):
        for j, name in enumerate(pack.committees):
            if name not in committees:
                warnings.append((("packs", i, "committees", j), (
                    f"committee {name!r} is not the committee of any priority or workstream; "
                    "the pack will hold only items whose tracker names it"
                )))
    errors.extend(_organisation_errors(config))
    names = [p.name for p in config.packs]
    for i, name in enumerate(names):
        if name in names[:i]:
            errors.append((("packs", i, "name"), f"pack name {name!r} used twice"))
    if config.email:
        smtp = config.email.smtp
        for key in ("username_env", "password_env"):
            value = getattr(smtp, key)
            if value is not None and not ENV_NAME.match(value):
                errors.append((("email", "smtp", key), (
                    "expected the name of an environment variable (e.g. "
                    "PLANREPORTS_SMTP_PASSWORD), not the secret itself"
                )))
        for i, send in enumerate(config.email.send):
            if send.pack not in names:
                errors.append((("email", "send", i, "pack"), (
                    f"unknown pack {send.pack!r}: expected one of {', '.join(names)}"
                )))
    if config.inputs.password_env is not None and not ENV_NAME.match(config.inputs.password_env):
        errors.append((("inputs", "password_env"), "expected the name of an environment variable"))
    return errors, warnings


def _organisation_errors(config: Config) -> list[tuple[tuple, str]]:
    """Unique ids, names that say one organisation only, packs naming known ones."""
    errors: list[tuple[tuple, str]] = []
    claimed: dict[str, str] = {}
    for i, org in enumerate(config.organisations):
        for word in sorted({" ".join(n.lower().split()) for n in org.names}):
            owner = claimed.get(word)
            if owner is not None and owner != org.id:
                errors.append((("organisations", i), (
                    f"{word!r} names both {owner} and {org.id}"
                    if word != org.id.lower() else f"duplicate organisation id {org.id!r}"
                )))
            claimed.setdefault(word, org.id)
    ids = {o.id for o in config.organisations}
    known = ", ".join(sorted(ids)) or "none: add an organisations: list"
    for i, priority in enumerate(config.priorities):
        for oid in priority.organisations:
            if oid not in ids:
                errors.append((("priorities", i, "organisations"),
                               f"unknown organisation {oid!r} (organisations: {known})"))
        for j, ws in enumerate(priority.workstreams):
            for oid in ws.organisations:
                if oid not in ids:
                    errors.append((("priorities", i, "workstreams", j, "organisations"),
                                   f"unknown organisation {oid!r} (organisations: {known})"))
    for i, pack in enumerate(config.packs):
        for j, oid in enumerate(pack.organisations):
            if oid not in ids:
                known = ", ".join(sorted(ids)) or "none: add an organisations: list"
                errors.append((("packs", i, "organisations", j), (
                    f"unknown organisation {oid!r} (organisations: {known})"
                )))
    return errors


_last_loaded: tuple[Path, str, Config] | None = None  # a command loads its config twice


def load_config(path: str | Path) -> Config:
    """Read and validate config.yaml; raise ConfigError naming file, line and key on any fault."""
    global _last_loaded
    path = Path(path)
    name = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such file (run `planreports init DIR` to make one)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read: {exc}") from None
    if _last_loaded is not None and _last_loaded[:2] == (path.resolve(), text):
        return _last_loaded[2]  # the same file, unchanged: a Config is immutable
    check_size(text, name)
    try:
        # Parsed once: the node tree is bounded (check_expansion) before it is constructed.
        loader = UniqueKeyLoader(text)
        try:
            root = loader.get_single_node()
            check_expansion(root, name)
            raw = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except yaml.constructor.ConstructorError as exc:  # a key given twice
        mark = exc.problem_mark
        line = f" line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{name}{line}: YAML syntax error: {exc.problem}") from None
    except yaml.MarkedYAMLError as exc:
        raise ConfigError(yaml_problem(exc, text, name)) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{name}: YAML syntax error: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{name} line 1: (top level): expected a mapping of keys")
    lines = dict(line_index(root))

    def where(loc: tuple) -> str:
        probe = loc
        while probe and probe not in lines:
            probe = probe[:-1]
        return f"{name} line {lines.get(probe, 1)}: {format_path(loc)}"

    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        problems = model_errors(exc, Config)
        raise ConfigError("\n".join(f"{where(loc)}: {text}" for loc, text in problems)) from None
    errors, warnings = _contract_errors(config)
    if errors:
        raise ConfigError("\n".join(f"{where(loc)}: {text}" for loc, text in errors))
    config._path = path.resolve()
    config._warnings = tuple(f"{where(loc)}: {text}" for loc, text in warnings)
    _last_loaded = (config._path, text, config)
    return config
