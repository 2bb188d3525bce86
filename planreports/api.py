"""The library: one function per command. Returns results; prints nothing."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from planreports import __version__
from planreports.config import Config, load_config
from planreports.errors import InputError, PlanreportsError, RenderError, UsageError
from planreports.model import Finding, InputFile, Item, Output, PackView, PeriodSummary
from planreports.outputs import write_atomic, write_json_atomic
from planreports.packs import order_items, sort_findings, view_for
from planreports.reconcile.accounting import SheetAccount, account

Progress = Callable[[str, str], None]  # (stage, detail)


@dataclass(frozen=True)
class PackResult:
    """One pack of a run: its view (items, findings) and whether it may be emailed."""

    view: PackView

    @property
    def blocked_reason(self) -> str:
        cells = [
            f"{f.file}!{f.sheet}!{f.cell}" for f in self.view.findings
            if f.code == "patient-identifier"
        ]
        return f"patient-identifier in {', '.join(cells)}" if cells else ""


@dataclass(frozen=True)
class Run:
    """What a build (or check) found and wrote."""

    config: Config
    inputs: tuple[InputFile, ...]
    items: tuple[Item, ...]
    findings: tuple[Finding, ...]
    packs: tuple[PackResult, ...] = ()
    outputs: tuple[Output, ...] = ()
    out_dir: Path | None = None
    previous_period: str | None = None
    no_longer_reported: tuple[Item, ...] = ()  # last period's items that no tracker reports now
    rows_dropped: int = 0
    notes: tuple[str, ...] = field(default=())  # e.g. a file saved beside a locked one
    accounts: tuple[SheetAccount, ...] = ()

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    def counts(self) -> dict[str, dict[str, int]]:
        """priority id -> RAG key -> items; 'unknown' priority and 'none' RAG where so."""
        out: dict[str, dict[str, int]] = {p.id: {} for p in self.config.priorities}
        for item in self.items:
            by_rag = out.setdefault(item.priority or "unknown", {})
            key = item.rag or "none"
            by_rag[key] = by_rag.get(key, 0) + 1
        return out

    def manifest(self) -> dict:
        """run.json: the contract's keys, then additions (packs, accounting)."""
        accounting = {(a.file, a.sheet): a.as_dict() for a in self.accounts}
        return {
            "version": __version__,
            "period": self.config.report.period,
            "as_of": self.config.report.as_of.isoformat(),
            "organisation": self.config.organisation,
            "previous_period": self.previous_period,
            "no_longer_reported": [
                {"priority": it.priority, "workstream": it.workstream, "item": it.item,
                 "rag": it.rag, "source": {"file": it.source.file, "sheet": it.source.sheet,
                                           "cell": it.source.cell}}
                for it in self.no_longer_reported
            ],
            "inputs": [
                {
                    "path": i.path,
                    "sha256": i.sha256,
                    "status": i.status,
                    "format": i.format,
                    "reason": i.reason,
                    "sheets": [
                        {
                            "name": s.name,
                            "header_row": s.header_row,
                            "items": s.items,
                            "status": s.status,
                            "rows": s.rows,
                            "sections": s.sections,
                            "reason": s.reason,
                            "accounting": accounting.get((i.path, s.name)),
                        }
                        for s in i.sheets
                    ],
                }
                for i in self.inputs
            ],
            "items": [
                {
                    "priority": it.priority,
                    "workstream": it.workstream,
                    "item": it.item,
                    "rag": it.rag,
                    "previous_rag": it.previous_rag,
                    "trend": it.trend,
                    "lead": it.lead,
                    "committee": it.committee,
                    "directorate": it.directorate,
                    "due": it.due.isoformat() if it.due else None,
                    "milestone": it.milestone,
                    "update": it.update,
                    "workstream_matched": it.workstream_matched,
                    "match_score": it.match_score,
                    "extras": dict(it.extras),
                    "source": {"file": it.source.file, "sheet": it.source.sheet,
                               "cell": it.source.cell},
                }
                for it in self.items
            ],
            "counts": self.counts(),
            "findings": [
                {
                    "code": f.code,
                    "severity": f.severity,
                    "message": f.message,
                    "file": f.file,
                    "sheet": f.sheet,
                    "cell": f.cell,
                    "priority": f.priority,
                    "workstream": f.workstream,
                }
                for f in self.findings
            ],
            "outputs": [
                {"pack": o.pack, "kind": o.kind, "path": o.path, "sha256": o.sha256}
                for o in self.outputs
            ],
            "packs": [
                {
                    "name": p.view.name,
                    "title": p.view.title,
                    "items": len(p.view.items),
                    "counts": _rag_counts(p.view),
                    "emailable": not p.blocked_reason,
                    "blocked_reason": p.blocked_reason,
                }
                for p in self.packs
            ],
            "accounting": {
                "rows_read": sum(s.rows for i in self.inputs for s in i.sheets),
                "section_rows": sum(s.sections for i in self.inputs for s in i.sheets),
                "items": len(self.items),
                "duplicates_dropped": self.rows_dropped,
                "unaccounted": sum(a.unaccounted for a in self.accounts),
            },
        }


def _rag_counts(view: PackView) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in view.items:
        out[item.rag or "none"] = out.get(item.rag or "none", 0) + 1
    return out


def _load(
    config_path: str | Path,
    *,
    inputs: Path | None = None,
    out: Path | None = None,
    period: str | None = None,
    as_of: dt.date | None = None,
) -> Config:
    config = load_config(config_path)
    return config.with_overrides(period=period, as_of=as_of, inputs=inputs, out=out)


def _read_and_reconcile(
    config: Config, progress: Progress | None, *, history_write: bool
) -> Run:
    from planreports import history
    from planreports.read import read_inputs
    from planreports.reconcile import reconcile

    folder = config.inputs_dir
    if not folder.is_dir():
        raise InputError(f"the inputs folder {folder} does not exist")
    password = os.environ.get(config.inputs.password_env) if config.inputs.password_env else None
    read = read_inputs(
        folder,
        columns=config.inputs.columns,
        password=password,
        timeout=config.inputs.timeout_seconds,
        memory_mb=config.inputs.memory_mb,
        progress=(lambda name: progress("read", name)) if progress else None,
    )
    rec = reconcile(read.rows, config)
    items = order_items(config, rec.items)
    previous = None
    trend_findings: list[Finding] = []
    gone: tuple[Item, ...] = ()
    summaries: dict[str, list[PeriodSummary]] = {}
    db_file = config.history_url.removeprefix("sqlite:///")
    if history_write or not config.history_url.startswith("sqlite:///") or Path(db_file).exists():
        engine = history.engine_for(config.history_url)
        prev = history.load_previous(engine, config.report.period, config.report.as_of)
        items, trend_findings, gone = history.apply_trends(config, items, prev)
        summaries = {
            p.name: history.summaries(
                engine, config.report.period, config.report.as_of, committees=p.committees
            )
            for p in config.packs
        }
        previous = prev.period if prev else None
        engine.dispose()
    accounts, lost = account(read.inputs, items, rec.findings)
    findings = sort_findings([*read.findings, *rec.findings, *trend_findings, *lost])
    views = tuple(
        PackResult(view_for(
            config, pack, items, findings, read.inputs, summaries.get(pack.name, ()), gone
        ))
        for pack in config.packs
    )
    return Run(
        config=config,
        inputs=read.inputs,
        items=items,
        findings=findings,
        packs=views,
        previous_period=previous,
        no_longer_reported=gone,
        rows_dropped=rec.dropped,
        accounts=tuple(accounts),
    )


def check(
    config_path: str | Path,
    *,
    inputs: Path | None = None,
    period: str | None = None,
    as_of: dt.date | None = None,
    progress: Progress | None = None,
) -> Run:
    """Read and reconcile every tracker; write nothing (history is only read)."""
    config = _load(config_path, inputs=inputs, period=period, as_of=as_of)
    return _read_and_reconcile(config, progress, history_write=False)


def build(
    config_path: str | Path,
    *,
    inputs: Path | None = None,
    out: Path | None = None,
    period: str | None = None,
    as_of: dt.date | None = None,
    pack: str | None = None,
    progress: Progress | None = None,
) -> Run:
    """Read, reconcile, compare with history, write every pack's workbook and deck, run.json."""
    config = _load(config_path, inputs=inputs, out=out, period=period, as_of=as_of)
    from planreports import history
    from planreports.render.deck import render_deck
    from planreports.render.workbook import render_workbook

    if pack is not None and config.pack(pack) is None:
        names = ", ".join(p.name for p in config.packs)
        raise UsageError(f"no pack named {pack!r} in {config.path.name} (packs: {names})")
    run = _read_and_reconcile(config, progress, history_write=True)
    out_dir = config.outputs_dir / config.period_slug
    template_dir = config.resolve(config.templates.folder)
    outputs: list[Output] = []
    notes: list[str] = []
    extra_findings: list[Finding] = []
    for result in run.packs:
        view = result.view
        if pack is not None and view.name != pack:
            continue
        if progress:
            progress("render", f"{view.name}.xlsx")
        raised: list[Finding] = []

        def write_workbook(path: Path, view: PackView = view, raised: list = raised) -> None:
            with _rendering(f"{view.name}.xlsx"):
                raised.extend(render_workbook(view, path, template_dir) or [])

        def write_deck(path: Path, view: PackView = view) -> None:
            with _rendering(f"{view.name}.pptx"):
                render_deck(view, config.deck_template, path, template_dir)

        written = write_atomic(out_dir / f"{view.name}.xlsx", write_workbook)
        extra_findings.extend(f for f in raised if f not in extra_findings)
        outputs.append(_output(view.name, "xlsx", written, out_dir, notes))
        if progress:
            progress("render", f"{view.name}.pptx")
        written = write_atomic(out_dir / f"{view.name}.pptx", write_deck)
        outputs.append(_output(view.name, "pptx", written, out_dir, notes))
    findings = sort_findings([*run.findings, *extra_findings])
    run = Run(
        config=run.config,
        inputs=run.inputs,
        items=run.items,
        findings=findings,
        packs=run.packs,
        outputs=tuple(outputs),
        out_dir=out_dir,
        previous_period=run.previous_period,
        no_longer_reported=run.no_longer_reported,
        rows_dropped=run.rows_dropped,
        notes=tuple(notes),
        accounts=run.accounts,
    )
    write_json_atomic(out_dir / "run.json", run.manifest())
    engine = history.engine_for(config.history_url)
    history.record(
        engine, config.report.period, config.report.as_of, run.items, run.findings, config
    )
    engine.dispose()
    return run


@contextlib.contextmanager
def _rendering(name: str) -> Iterator[None]:
    """A renderer's failure is a RenderError naming the file; the previous file is kept."""
    try:
        yield
    except PlanreportsError:
        raise
    except Exception as exc:
        raise RenderError(
            f"could not write {name}: {type(exc).__name__}: {exc}; the previous {name} is kept"
        ) from exc


def _output(pack: str, kind: str, written, out_dir: Path, notes: list[str]) -> Output:  # noqa: ANN001
    if written.note:
        notes.append(written.note)
    return Output(
        pack=pack,
        kind=kind,  # type: ignore[arg-type]
        path=written.path.relative_to(out_dir).as_posix(),
        sha256=written.sha256,
        note=written.note,
    )


def init(folder: Path) -> list[Path]:
    """A new working folder: commented config.yaml, templates/, empty inputs/ and outputs/."""
    import shutil

    from planreports.render.text import DEFAULTS

    folder = folder.resolve()
    config_file = folder / "config.yaml"
    if config_file.exists():
        raise UsageError(f"{config_file} already exists; not overwriting it")
    made: list[Path] = []
    for sub in ("inputs", "outputs", "templates"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
        made.append(folder / sub)
    shutil.copyfile(DEFAULTS.parent / "config.yaml", config_file)
    made.append(config_file)
    for template in sorted(DEFAULTS.iterdir()):
        if template.is_file():
            target = folder / "templates" / template.name
            if not target.exists():
                shutil.copyfile(template, target)
                made.append(target)
    return made


def templates(
    config_path: str | Path,
    *,
    by: str = "lead",
    period: str | None = None,
    as_of: dt.date | None = None,
) -> list[Path]:
    """Write one pre-filled return workbook per lead (or directorate) for the report period.

    'Last' on each return is the latest period recorded before this one, so the templates
    for a period can be written before or after that period is built.
    """
    from planreports import history
    from planreports.returns import write_returns

    if by not in {"lead", "directorate"}:
        raise UsageError(f"--by must be 'lead' or 'directorate', not {by!r}")
    config = _load(config_path, period=period, as_of=as_of)
    last: list[Item] = []
    db_file = config.history_url.removeprefix("sqlite:///")
    if not config.history_url.startswith("sqlite:///") or Path(db_file).exists():
        engine = history.engine_for(config.history_url)
        last = history.latest_snapshot(engine, config.report.period, config.report.as_of)
        engine.dispose()
    return write_returns(config, last, by=by)


def watch(
    config_path: str | Path,
    on_build: Callable[[Run | None, Exception | None], None],
    *,
    settle_seconds: float = 2.0,
    stop: Callable[[], bool] = lambda: False,
) -> None:
    """Rebuild whenever a tracker lands in (or changes in) the inputs folder.

    Waits until the folder has been quiet for `settle_seconds`, since Excel and file copies
    write in several steps; Office lock files and temporary files never trigger a build.
    """
    import threading
    import time

    from watchdog.events import FileSystemEvent, FileSystemEventHandler
    from watchdog.observers import Observer

    from planreports.errors import PlanreportsError
    from planreports.read.files import EXTENSIONS

    config = load_config(config_path)
    folder = config.inputs_dir
    changed = threading.Event()
    last_event = [0.0]

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            name = Path(str(event.dest_path or event.src_path)).name
            if name.startswith(("~$", ".", "~")) or Path(name).suffix.lower() not in EXTENSIONS:
                return
            last_event[0] = time.monotonic()
            changed.set()

    observer = Observer()
    observer.schedule(Handler(), str(folder), recursive=True)
    observer.start()
    try:
        while not stop():
            if changed.wait(0.2) and time.monotonic() - last_event[0] >= settle_seconds:
                changed.clear()
                try:
                    on_build(build(config_path), None)
                except PlanreportsError as exc:
                    on_build(None, exc)
    finally:
        observer.stop()
        observer.join(5)
