"""The library: one function per command. Returns results; prints nothing."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from planreports.config import Config, load_config
from planreports.errors import InputError, PlanreportsError, RenderError, UsageError
from planreports.forked import Host, start_host
from planreports.identifiers import scanner_for
from planreports.model import Finding, Item, Output, PackView, PeriodSummary
from planreports.outputs import OutputSet, build_lock, recover
from planreports.packs import order_items, sort_findings, view_for
from planreports.run import PackResult, Run

if TYPE_CHECKING:
    from planreports.history import Period
    from planreports.returns import Returns
    from planreports.tabling import TablingDone
    from planreports.watch import Watched

Progress = Callable[[str, str], None]  # (stage, detail)


class Located(NamedTuple):
    """Where a build reads and writes: said before it starts, and the reading's total."""

    config: Config
    inputs: Path
    out_dir: Path  # outputs/<period-slug>
    trackers: int


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
    from planreports.reconcile.accounting import account
    from planreports.reconcile.masking import mask_read

    folder = config.inputs_dir
    if not folder.is_dir():
        raise InputError(f"the inputs folder {folder} does not exist")
    password = os.environ.get(config.inputs.password_env) if config.inputs.password_env else None
    read = read_inputs(
        folder,
        columns=config.inputs.columns,
        password=password,
        priorities=[
            name for p in config.priorities for name in (p.id, p.title, p.short, *p.aliases)
            if name
        ],
        timeout=config.inputs.timeout_seconds,
        memory_mb=config.inputs.memory_mb,
        progress=(lambda name: progress("read", name)) if progress else None,
    )
    if config.inputs.password_env and password is None:
        read = _say_password_unset(read, config.inputs.password_env)
    # Identifiers are masked before reconcile, so nothing downstream can quote one.
    read = mask_read(read.inputs, read.rows, read.findings, scanner_for(config))
    rec = reconcile(read.rows, config, read.flags)
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
                engine, config.report.period, config.report.as_of, committees=p.committees,
                organisations=p.organisations,
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


def _say_password_unset(read, variable: str):  # noqa: ANN001, ANN202 - a ReadResult
    """The reader says "set inputs.password_env"; it is set, but names a variable this
    environment lacks, and that is what the analyst must fix."""
    from planreports.read.refusals import ENCRYPTED

    said = (f"the workbook is password-protected; inputs.password_env names the environment "
            f"variable {variable}, which is not set here: set it to the trackers' password")
    return replace(
        read,
        inputs=tuple(replace(i, reason=i.reason.replace(ENCRYPTED, said)) for i in read.inputs),
        findings=tuple(replace(f, message=f.message.replace(ENCRYPTED, said))
                       for f in read.findings),
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
    """Read, reconcile, compare with history, write every pack's workbook and deck, run.json.

    The files and the history snapshot are committed as one set (see planreports.outputs):
    a failure anywhere leaves the previous set as it was and raises a RenderError."""
    config = _load(config_path, inputs=inputs, out=out, period=period, as_of=as_of)
    if pack is not None and config.pack(pack) is None:
        names = ", ".join(p.name for p in config.packs)
        raise UsageError(f"no pack named {pack!r} in {config.path.name} (packs: {names})")
    out_dir = config.outputs_dir / config.period_slug
    before = gc.get_threshold()
    # A build makes millions of small objects (rows, items, findings, cells) that live to its
    # end; a collection at every 700 new ones walked them for a fifth of a region's build.
    # Collected every 100,000 (here and in the workers), the garbage between is a few MB.
    gc.set_threshold(100_000, *before[1:])
    host = start_host(_load_renderers)
    try:
        return _build(config, out_dir, pack, progress, host)
    finally:
        gc.set_threshold(*before)
        if host is not None:
            host.close()


def _build(config: Config, out_dir: Path, pack: str | None, progress: Progress | None,
           host: Host | None) -> Run:
    from planreports.tabling import refuse_if_tabled

    # A tabled period is refused before the lock is taken: its folder stays byte for byte.
    refuse_if_tabled(config)
    on_wait = (lambda said: progress("wait", said)) if progress else None
    with build_lock(out_dir, on_wait=on_wait):
        refuse_if_tabled(config)  # tabled while this build waited for the lock
        notes = recover(out_dir)
        run = _read_and_reconcile(config, progress, history_write=True)
        with OutputSet(out_dir) as files:
            run = _write_packs(run, files, out_dir, pack, progress, host)
            manifest = run.manifest()
            if pack is not None:
                manifest = _keep_other_packs(manifest, out_dir / "run.json", pack)
            files.add_json("run.json", manifest)
            _commit(files, run)
    return replace(run, notes=(*run.notes, *notes))


def _load_renderers() -> None:
    """The render libraries and fonts, loaded before the workers fork, so each inherits them."""
    import planreports.render.cover
    import planreports.render.deck
    import planreports.render.workbook  # noqa: F401
    from planreports.render.measure import font_metrics

    font_metrics(bold=False), font_metrics(bold=True)


def _write_packs(
    run: Run, files: OutputSet, out_dir: Path, only: str | None, progress: Progress | None,
    host: Host | None = None,
) -> Run:
    """Every pack's workbook, deck and cover report, staged in `files`; the run with their
    outputs (and each pack's PDF after them, see _write_pdfs).

    The files are written in parallel, one worker process per core, biggest first: a region's
    roll-up and PMO workbooks of every item are most of a build. The workers are the `host`'s
    (see planreports.forked.Host), which loaded the render libraries while the build read."""
    views = [r.view for r in run.packs if only is None or r.view.name == only]
    if host is None:
        _load_renderers()
    config = run.config
    template_dir = config.resolve(config.templates.folder)
    jobs: list[tuple[str, Callable[[Path], list[Finding]]]] = []
    made: list[tuple[str, str, int]] = []  # (pack, kind, size) of each job
    for result in run.packs:
        view = result.view
        if only is not None and view.name != only:
            continue
        for kind in ("xlsx", "pptx", "docx"):
            jobs.append((f"{view.name}.{kind}",
                         functools.partial(_render, kind, view, config, template_dir)))
            made.append((view.name, kind, len(view.items) * (4 if kind == "xlsx" else 1)))
    if progress:
        progress("render", ", ".join(name for name, _ in jobs))
    biggest_first = sorted(range(len(jobs)), key=lambda i: -made[i][2])
    written = files.add_all([jobs[i] for i in biggest_first], host=host)
    outputs: list[Output] = [Output(pack="", kind="json", path="", sha256="")] * len(jobs)
    extra_findings: list[Finding] = []
    for i, (file, raised) in zip(biggest_first, written, strict=True):
        pack, kind, _ = made[i]
        outputs[i] = Output(pack=pack, kind=kind, path=file.path.name,  # type: ignore[arg-type]
                            sha256=file.sha256)
        extra_findings.extend(f for f in raised if f not in extra_findings)
    pdfs, notes = _write_pdfs(config, views, files, progress)
    return replace(
        run,
        findings=sort_findings([*run.findings, *extra_findings]),
        outputs=(*outputs, *pdfs),
        out_dir=out_dir,
        notes=(*run.notes, *notes),
    )


def _render(kind: str, view: PackView, config: Config, template_dir: Path, path: Path
            ) -> list[Finding]:
    """One pack's workbook, deck or cover report at `path`; the findings writing it raised."""
    from planreports.render.cover import render_cover
    from planreports.render.deck import render_deck
    from planreports.render.workbook import render_workbook

    with _rendering(f"{view.name}.{kind}"):
        if kind == "xlsx":
            return render_workbook(view, path, template_dir) or []
        if kind == "docx":
            render_cover(view, config.cover_template, path, template_dir)
            return []
        render_deck(view, config.deck_template, path, template_dir)
        return []


def _write_pdfs(
    config: Config, views: list[PackView], files: OutputSet, progress: Progress | None
) -> tuple[list[Output], list[str]]:
    """Each pack's board-portal PDF (cover report, then slides), made from its staged .docx
    and .pptx in one LibreOffice run; without LibreOffice, or where it fails, a note saying
    so and no PDF: the PDF is the one output that needs another program, and the rest of the
    set is still good.

    A PDF this build does not make is removed with the set's commit, so outputs/ never
    holds a PDF older than the cover report and deck beside it."""
    if not config.outputs.pdf:  # (and pypdf, a tenth of a second to import, stays unloaded)
        for view in views:
            files.remove(f"{view.name}.pdf")
        return [], []
    from planreports.render.cover import cover_context
    from planreports.render.pdf import MISSING, PackPdf, find_soffice, make_pdfs

    program = find_soffice()
    if program is None:
        for view in views:
            files.remove(f"{view.name}.pdf")
        if views:
            return [], [f"{MISSING} ({', '.join(v.name + '.pdf' for v in views)}): install "
                        "LibreOffice, or set outputs.pdf: false; every other output was written"]
        return [], []
    if progress:
        progress("render", f"{len(views)} PDF{'s' if len(views) != 1 else ''} (LibreOffice)")
    template_dir = config.resolve(config.templates.folder)
    made, problems = make_pdfs(program, [
        PackPdf(view.name, cover_context(view, template_dir)["paper_title"],
                files.read(f"{view.name}.docx"), files.read(f"{view.name}.pptx"))
        for view in views
    ])
    outputs = []
    for view in views:
        data = made.get(view.name)
        if data is None:
            files.remove(f"{view.name}.pdf")
            continue
        written = files.add(f"{view.name}.pdf", lambda path, data=data: path.write_bytes(data))
        outputs.append(Output(pack=view.name, kind="pdf", path=written.path.name,
                              sha256=written.sha256))
    return outputs, problems


def _commit(files: OutputSet, run: Run) -> None:
    """Files and the history snapshot together: either both are the new set or neither is."""
    import sqlalchemy as sa

    from planreports import history
    from planreports.tabling import check_not_tabled

    config = run.config
    engine = history.engine_for(config.history_url)
    try:
        with engine.connect() as conn:
            transaction = conn.begin()
            check_not_tabled(conn, config.report.period)
            history.record_in(
                conn, config.report.period, config.report.as_of, run.items, run.findings, config
            )
            files.commit(last="run.json")
            try:
                transaction.commit()
            except BaseException:
                files.rollback()
                raise
        files.finish()
    except sa.exc.SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise RenderError(
            f"could not record {config.report.period} in the history ({reason}); nothing was "
            "changed, the previous outputs are kept"
        ) from exc
    finally:
        engine.dispose()


def _keep_other_packs(manifest: dict, previous_path: Path, built: str) -> dict:
    """`build --pack X` rewrites X only: the other packs' files, and run.json's word on them,
    stay as the last full build left them (so `send` still finds and checks them)."""
    try:
        previous = json.loads(previous_path.read_text("utf-8"))
    except (OSError, ValueError):
        return manifest
    if not isinstance(previous, dict) or previous.get("period") != manifest["period"]:
        return manifest
    kept_outputs = [o for o in previous.get("outputs") or []
                    if isinstance(o, dict) and o.get("pack") != built]
    kept_packs = {p.get("name"): p for p in previous.get("packs") or []
                  if isinstance(p, dict) and p.get("name") != built
                  and any(o.get("pack") == p.get("name") for o in kept_outputs)}
    return {
        **manifest,
        "outputs": kept_outputs + manifest["outputs"],
        "packs": [kept_packs.get(p["name"], p) for p in manifest["packs"]],
    }


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
) -> Returns:
    """Write one pre-filled return workbook per lead (or directorate) for the report period.

    Each return holds the rows its lead's workstreams were returned in last period (their
    items, named leads, RAG and update), from the latest other period recorded at or before
    the reporting date, so the templates for a period can be written before or after that
    period is built, and `--period` alone (the config's date kept) finds the period before.
    """
    from planreports import history
    from planreports.returns import write_returns

    if by not in {"lead", "directorate"}:
        raise UsageError(f"--by must be 'lead' or 'directorate', not {by!r}")
    config = _load(config_path, period=period, as_of=as_of)
    last: list[Item] = []
    last_period = None
    engine = _history_engine(config, create=False)
    if engine is not None:
        try:
            previous = history.load_previous(
                engine, config.report.period, config.report.as_of, inclusive=True)
        finally:
            engine.dispose()
        if previous is not None:
            last, last_period = list(previous.items.values()), previous.period
    return write_returns(config, last, by=by, last_period=last_period)


def watch(
    config_path: str | Path,
    on_build: Callable[[Run | None, Exception | None], None],
    *,
    settle_seconds: float = 2.0,
    stop: Callable[[], bool] = lambda: False,
    on_start: Callable[[Watched], None] | None = None,
    on_change: Callable[[list[str]], None] | None = None,
) -> None:
    """Build when the outputs are out of date, then once per real change to the trackers.

    Waits until the inputs folder has been quiet for `settle_seconds`, since Excel and file
    copies write in several steps, then builds only if a tracker's content (or config.yaml)
    differs from what the last build read: see `planreports.watch`.
    """
    from planreports.watch import watch as watch_folder

    watch_folder(
        config_path, lambda: build(config_path), on_build,  # type: ignore[arg-type]
        settle=settle_seconds, stop=stop, on_start=on_start, on_change=on_change,
    )


def locate(
    config_path: str | Path,
    *,
    inputs: Path | None = None,
    out: Path | None = None,
    period: str | None = None,
) -> Located:
    """Where a build reads and writes, and how many trackers it will read (for progress)."""
    from planreports.read.files import list_inputs

    config = _load(config_path, inputs=inputs, out=out, period=period)
    folder = config.inputs_dir
    if not folder.is_dir():
        raise InputError(f"the inputs folder {folder} does not exist")
    return Located(config, folder, config.outputs_dir / config.period_slug,
                   len(list_inputs(folder).files))


def _history_engine(config: Config, *, create: bool):  # noqa: ANN202 - sqlalchemy Engine
    from planreports import history

    db_file = config.history_url.removeprefix("sqlite:///")
    if not create and config.history_url.startswith("sqlite:///") and not Path(db_file).exists():
        return None
    return history.engine_for(config.history_url)


def history_periods(config_path: str | Path) -> list[Period]:
    """Every period in the history database, oldest first (none when there is no history)."""
    from planreports import history

    engine = _history_engine(load_config(config_path), create=False)
    if engine is None:
        return []
    try:
        return history.periods(engine)
    finally:
        engine.dispose()


def table(config_path: str | Path, period: str, *, reopen: bool = False) -> TablingDone:
    """Mark a period's packs as tabled: their hashes recorded, later builds of it refused.
    With `reopen`, record that it was reopened, so it can be built again."""
    from planreports.tabling import table_period

    return table_period(load_config(config_path), period, reopen=reopen)


def history_remove(config_path: str | Path, period: str) -> Period:
    """Remove one period (its label or folder name) from the history; what was removed."""
    from planreports import history

    config = load_config(config_path)
    engine = _history_engine(config, create=False)
    if engine is None:
        raise UsageError(f"no history yet ({config.outputs.history}): nothing to remove")
    try:
        return history.remove(engine, period)
    finally:
        engine.dispose()
