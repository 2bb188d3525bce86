"""The command line: typer commands that parse options, call the library, print with rich."""

from __future__ import annotations

import datetime as dt
import functools
import json
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from planreports import api
from planreports.errors import PlanreportsError
from planreports.model import SEVERITY_ORDER

app = typer.Typer(
    help="NHS business-plan trackers in; Excel summary, PowerPoint board packs and email out.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Piped output (a log, CI) gets room for messages instead of a squeezed 80-column table.
out = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, highlight=False, soft_wrap=True)
_debug = False

ConfigOpt = Annotated[
    Path, typer.Option("--config", "-c", help="The working folder's config.yaml.")
]
SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    global _debug
    _debug = debug


def handles_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """The one place a PlanreportsError becomes a one-line message and an exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except PlanreportsError as exc:
            if _debug:
                raise
            for line in str(exc).splitlines():
                err.print(f"[bold red]error:[/] {line}", markup=True, highlight=False)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            err.print("interrupted; outputs already written are complete, others untouched")
            raise typer.Exit(130) from None
        except (typer.Exit, typer.Abort, typer.BadParameter):
            raise
        except Exception as exc:  # a fault in planreports itself: one line, details on --debug
            if _debug:
                raise
            err.print(
                f"[bold red]error:[/] internal error: {type(exc).__name__}: {exc} (a fault in "
                "planreports, not in your files; run with --debug and report it)"
            )
            raise typer.Exit(1) from None

    return wrapper


def _parse_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"expected a date as YYYY-MM-DD, got {value!r}") from None


def _progress() -> tuple[api.Progress | None, Callable[[], None]]:
    """A live status line on a terminal; nothing when output is piped."""
    if not err.is_terminal:
        return None, lambda: None
    status = err.status("reading trackers")
    status.start()
    done = Counter()

    def report(stage: str, detail: str) -> None:
        done[stage] += 1
        verb = {"read": "read", "render": "writing"}.get(stage, stage)
        status.update(f"{verb} {done[stage]}: {detail}")

    return report, status.stop


def _print_findings(run: api.Run) -> None:
    """Findings grouped by file (plan-level ones last), worst first, then counts by code."""
    if not run.findings:
        out.print("No findings.")
        return
    groups: dict[str, list] = {}
    for f in run.findings:
        groups.setdefault(f.file or "", []).append(f)
    order = sorted(groups, key=lambda name: (name == "", name.lower()))
    for name in order:
        table = Table(
            title=name or "The plan (config.yaml)", title_justify="left", show_lines=False,
            expand=False, title_style="bold",
        )
        for column, width in (("severity", 8), ("code", 20), ("where", 14), ("message", None)):
            table.add_column(column, overflow="fold", min_width=width)
        for f in sorted(groups[name], key=lambda f: (SEVERITY_ORDER[f.severity], f.code)):
            place = "!".join(x for x in (f.sheet, f.cell) if x) or "-"
            table.add_row(
                f"[{SEVERITY_STYLE[f.severity]}]{f.severity}[/]", f.code, place, f.message
            )
        out.print(table)
    counts = Counter((SEVERITY_ORDER[f.severity], f.severity, f.code) for f in run.findings)
    out.print(f"{len(run.findings)} findings:")
    for (_, severity, code), n in sorted(counts.items()):
        out.print(f"  {n:>4}  [{SEVERITY_STYLE[severity]}]{severity:<8}[/] {code}")


def _print_counts(run: api.Run) -> None:
    table = Table(title=f"{run.config.report.title} {run.config.report.period}: RAG by priority")
    table.add_column("priority")
    keys = [s.key for s in run.config.rag]
    for status in run.config.rag:
        table.add_column(status.label, justify="right")
    table.add_column("no RAG", justify="right")
    for pid, by_rag in run.counts.items():
        label = run.config.priority(pid).label if run.config.priority(pid) else pid
        table.add_row(
            f"{pid} {label}", *(str(by_rag.get(k, 0)) for k in keys), str(by_rag.get("none", 0))
        )
    out.print(table)


@app.command()
@handles_errors
def build(
    config: ConfigOpt = Path("config.yaml"),
    inputs: Annotated[Path | None, typer.Option(help="Read trackers from here instead.")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Write outputs here.")] = None,
    period: Annotated[str | None, typer.Option(help="Period label, e.g. 'FY18 Q3'.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Reporting date YYYY-MM-DD.")] = None,
    pack: Annotated[str | None, typer.Option(help="Build only this pack.")] = None,
    strict: Annotated[bool, typer.Option(help="Exit 1 when any finding is an error.")] = False,
) -> None:
    """Read the trackers, reconcile them and write the packs, workbooks and run.json."""
    report, stop = _progress()
    try:
        run = api.build(
            config, inputs=inputs, out=out_dir, period=period, as_of=_parse_date(as_of),
            pack=pack, progress=report,
        )
    finally:
        stop()
    for warning in run.config.warnings:
        err.print(f"[yellow]warning:[/] {warning}")
    _print_findings(run)
    _print_counts(run)
    for note in run.notes:
        err.print(f"[yellow]warning:[/] {note}")
    # run.json is written too, and listed: the count says every file the list names.
    out.print(f"Wrote {len(run.outputs) + 1} files to {run.out_dir}:")
    for o in run.outputs:
        out.print(f"  {o.path}")
    out.print("  run.json")
    if run.notes:
        raise typer.Exit(1)
    if strict and run.errors:
        err.print(f"{len(run.errors)} error findings (--strict): exit 1")
        raise typer.Exit(1)


@app.command()
@handles_errors
def check(
    config: ConfigOpt = Path("config.yaml"),
    inputs: Annotated[Path | None, typer.Option(help="Read trackers from here instead.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    strict: Annotated[bool, typer.Option(help="Exit 1 when any finding is an error.")] = False,
) -> None:
    """Read and reconcile the trackers and print the findings; write nothing."""
    if fmt not in {"table", "json"}:
        raise typer.BadParameter("expected 'table' or 'json'", param_hint="--format")
    report, stop = _progress() if fmt == "table" else (None, lambda: None)
    try:
        run = api.check(config, inputs=inputs, progress=report)
    finally:
        stop()
    if fmt == "json":
        manifest = run.manifest()
        sys.stdout.write(json.dumps(manifest["findings"], indent=2, ensure_ascii=False) + "\n")
    else:
        _print_findings(run)
        _print_counts(run)
    if strict and run.errors:
        raise typer.Exit(1)


@app.command()
@handles_errors
def init(folder: Annotated[Path, typer.Argument(help="The new working folder.")]) -> None:
    """Make a new working folder: a commented config.yaml, templates/ and an empty inputs/."""
    made = api.init(folder)
    out.print(f"Made a working folder at {folder}:")
    for path in made:
        out.print(f"  {path.relative_to(folder.resolve())}")
    out.print("Edit config.yaml, drop trackers into inputs/, then run `planreports build`.")


@app.command("template-check")
@handles_errors
def template_check(config: ConfigOpt = Path("config.yaml")) -> None:
    """Say whether templates/deck.pptx has the layouts and placeholders the pack needs."""
    from planreports.config import load_config
    from planreports.template_check import check_template

    cfg = load_config(config)
    report = check_template(cfg.deck_template)
    out.print(report.describe())
    if not report.ok:
        raise typer.Exit(1)


@app.command()
@handles_errors
def templates(
    config: ConfigOpt = Path("config.yaml"),
    by: Annotated[str, typer.Option(help="One return per 'lead' or per 'directorate'.")] = "lead",
    period: Annotated[str | None, typer.Option(help="The period the returns are for.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Its reporting date.")] = None,
) -> None:
    """Write a pre-filled return workbook per lead, to send out for the next period."""
    written = api.templates(config, by=by, period=period, as_of=_parse_date(as_of))
    out.print(f"Wrote {len(written)} return templates:")
    for path in written:
        out.print(f"  {path}")


@app.command()
@handles_errors
def send(
    config: ConfigOpt = Path("config.yaml"),
    dry_run: Annotated[bool, typer.Option(help="Write .eml files instead of sending.")] = False,
    retry_unknown: Annotated[
        bool, typer.Option(help="Resend messages whose delivery is unknown after a crash.")
    ] = False,
) -> None:
    """Email each pack's workbook (and deck) to its recipients, as configured."""
    from planreports.config import load_config
    from planreports.deliver import send_packs

    report = send_packs(load_config(config), dry_run=dry_run, retry_unknown=retry_unknown)
    _print_delivery(report)


@app.command()
@handles_errors
def chase(
    config: ConfigOpt = Path("config.yaml"),
    dry_run: Annotated[bool, typer.Option(help="Write .eml files instead of sending.")] = False,
    again: Annotated[bool, typer.Option(help="Chase leads already chased this period.")] = False,
) -> None:
    """Email each lead whose return is missing their pre-filled return template."""
    from planreports.config import load_config
    from planreports.deliver import chase_returns

    report = chase_returns(load_config(config), dry_run=dry_run, again=again)
    _print_delivery(report)


def _print_delivery(report: Any) -> None:
    table = Table(title="Email")
    for column in ("message", "recipient", "state", "detail"):
        table.add_column(column, overflow="fold")
    for line in report.lines:
        table.add_row(
            getattr(line, "subject", "") or getattr(line, "pack", ""),
            getattr(line, "recipient", ""),
            getattr(line, "state", ""),
            getattr(line, "reason", "") or str(getattr(line, "eml_path", "") or ""),
        )
    out.print(table)
    if getattr(report, "blocked", False) or getattr(report, "failed", False):
        raise typer.Exit(1)


@app.command()
@handles_errors
def watch(config: ConfigOpt = Path("config.yaml")) -> None:
    """Rebuild the packs whenever a tracker lands in the inputs folder (Ctrl+C to stop)."""
    out.print("Watching for trackers; Ctrl+C to stop.")

    def built(run: api.Run | None, error: Exception | None) -> None:
        if error is not None:
            err.print(f"[bold red]error:[/] {error}")
            return
        assert run is not None
        errors = len(run.errors)
        out.print(
            f"{dt.datetime.now():%H:%M:%S} built {len(run.outputs)} files from "
            f"{len(run.inputs)} trackers: {len(run.items)} items, {errors} errors"
        )

    api.watch(config, built)


def run() -> None:  # pragma: no cover - console entry point
    app()
