"""The command line: typer commands that parse options, call the library, print with rich.

Every error, ours or a usage error from the option parser, is printed in one style
("error: ..." on stderr, one line per fault, an indented excerpt where one helps) by
`PlanreportsGroup.main`, with the exit code the README gives: 0 done; 1 error findings under
--strict, an output not written, an email refused or blocked; 2 bad usage or bad config.
`--debug`, `--quiet` and `-q` may stand anywhere on the line.
"""

from __future__ import annotations

import atexit
import datetime as dt
import functools
import gc
import json
import os
import signal
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer.core import TyperGroup

from planreports import __version__, api
from planreports.console import ReadProgress, plural, print_findings, tally
from planreports.errors import PlanreportsError, UsageError

GLOBAL_FLAGS = ("--debug", "--quiet", "-q")
# The interpreter's last collection, as it exits, walks every object a command made: 0.2 s
# after a trust's build, seconds after a region's. The kernel frees the memory of a process
# that ends, so at exit they are frozen out of the collector's sight.
atexit.register(gc.freeze)
_state = {"debug": False, "quiet": False}


try:  # the option parser's own usage errors: click's, which typer vendors since 0.2x
    from typer._click.exceptions import ClickException
    ParserAbort: type[BaseException] = typer.Abort
except ImportError:  # pragma: no cover - an older typer over click itself
    from click.exceptions import Abort as ParserAbort  # type: ignore[no-redef]
    from click.exceptions import ClickException  # type: ignore[no-redef]


class PlanreportsGroup(TyperGroup):
    """The `planreports` group: global flags anywhere on the line, and one error style."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        end = args.index("--") if "--" in args else len(args)
        head = args[:end]
        flags = [a for a in head if a in GLOBAL_FLAGS]
        rest = [a for a in head if a not in GLOBAL_FLAGS]
        return super().parse_args(ctx, [*flags, *rest, *args[end:]])

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        try:
            code = super().main(args=args, prog_name=prog_name or "planreports",
                                standalone_mode=False, **extra)
        except ClickException as exc:
            message = exc.format_message()  # type: ignore[attr-defined]
            _error(message)
            context = getattr(exc, "ctx", None)
            if context is not None and context.command_path:
                err.print(f"       (see `{context.command_path} --help`)")
            code = exc.exit_code  # type: ignore[attr-defined]
        except (ParserAbort, typer.Abort):
            code = 1
        code = code if isinstance(code, int) else 0
        if standalone_mode:
            sys.exit(code)
        return code


app = typer.Typer(
    cls=PlanreportsGroup,
    help="NHS business-plan trackers in; Excel summary, PowerPoint board packs and email out.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
history_app = typer.Typer(
    help="The periods in the history database: list them, remove one.", no_args_is_help=True,
)
app.add_typer(history_app, name="history")
# Piped output (a log, CI) gets room for messages instead of a squeezed 80-column table.
out = Console(highlight=False, soft_wrap=True,
              width=None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160)
err = Console(stderr=True, highlight=False, soft_wrap=True)

ConfigOpt = Annotated[
    Path, typer.Option("--config", "-c", help="The working folder's config.yaml.")
]
AllOpt = Annotated[bool, typer.Option("--all", help="Print every finding, however many.")]


def _version(value: bool) -> None:
    if value:
        out.print(f"planreports {__version__}")
        raise typer.Exit(0)


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="Print only errors and warnings.")] = False,
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    _state.update(debug=debug, quiet=quiet)
    # A service manager's stop (or `kill`) unwinds like Ctrl-C: read workers are stopped and
    # half-written outputs dropped by the same `finally` blocks, instead of dying mid-way.
    signal.signal(signal.SIGTERM, _terminated)


def _terminated(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _error(message: str) -> None:
    """'error: ...' per line; lines that start with a space (an excerpt) are printed as they are."""
    for line in str(message).splitlines():
        if line.startswith(" "):
            err.print(escape(line))
        else:
            err.print(f"[bold red]error:[/] {escape(line)}")


def _warn(message: str) -> None:
    err.print(f"[yellow]warning:[/] {escape(message)}")


def handles_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """The one place a PlanreportsError becomes a message and an exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except PlanreportsError as exc:
            if _state["debug"]:
                err.print(traceback.format_exc(), markup=False)
            _error(str(exc))
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            err.print("interrupted; outputs already written are complete, others untouched")
            raise typer.Exit(130) from None
        except (typer.Exit, typer.Abort, ParserAbort, ClickException):
            raise
        except Exception as exc:  # a fault in planreports itself: one line, details on --debug
            if _state["debug"]:
                err.print(traceback.format_exc(), markup=False)
            _error(f"internal error: {type(exc).__name__}: {exc} (a fault in planreports, not "
                   "in your files; run with --debug and report it)")
            raise typer.Exit(1) from None

    return wrapper


def _parse_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"expected a date as YYYY-MM-DD, got {value!r}", param_hint="--as-of") from None


def _print_counts(run: api.Run) -> None:
    if _state["quiet"]:
        return
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
    if run.config.organisations:
        _print_organisations(run)


def _print_organisations(run: api.Run) -> None:
    """A system's members, one line each: what a regional PMO checks first."""
    table = Table(title="RAG by organisation")
    table.add_column("organisation")
    keys = [s.key for s in run.config.rag]
    for status in run.config.rag:
        table.add_column(status.label, justify="right")
    table.add_column("no RAG", justify="right")
    counts: dict[str | None, dict[str | None, int]] = {}
    for item in run.items:
        by_rag = counts.setdefault(item.organisation, {})
        by_rag[item.rag] = by_rag.get(item.rag, 0) + 1
    rows = [(o.id, f"{o.id} {o.name}") for o in run.config.organisations]
    if None in counts:
        rows.append((None, "(no organisation)"))
    for oid, label in rows:
        by_rag = counts.get(oid, {})
        if not by_rag:
            table.add_row(label, *("-" for _ in keys), "-", style="yellow")
            continue
        table.add_row(label, *(str(by_rag.get(k, 0)) for k in keys), str(by_rag.get(None, 0)))
    out.print(table)


def _summary(run: api.Run, *, wrote: bool = True) -> str:
    """'FY18 Q2: 38 items from 6 trackers, 9 findings (no errors); wrote 7 files to DIR'."""
    errors = len(run.errors)
    text = (f"{run.config.report.period}: {plural(len(run.items), 'item')} from "
            f"{plural(len(run.inputs), 'tracker')}, {plural(len(run.findings), 'finding')} "
            f"({plural(errors, 'error') if errors else 'no errors'})")
    if wrote and run.out_dir is not None:
        # run.json is written too: the count is of every file a build writes.
        text += f"; wrote {plural(len(run.outputs) + 1, 'file')} to {run.out_dir}"
    return text


def _read(config: Path, inputs: Path | None, call: Callable[[Any], api.Run],
          out_dir: Path | None = None, period: str | None = None) -> api.Run:
    total = api.locate(config, inputs=inputs, out=out_dir, period=period).trackers
    with ReadProgress(err, total, enabled=not _state["quiet"]) as report:
        return call(report)


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
    every: AllOpt = False,
) -> None:
    """Read the trackers, reconcile them and write the packs, workbooks and run.json."""
    date = _parse_date(as_of)
    run = _read(config, inputs, lambda report: api.build(
        config, inputs=inputs, out=out_dir, period=period, as_of=date, pack=pack,
        progress=report), out_dir, period)
    for warning in run.config.warnings:
        _warn(warning)
    print_findings(out, run.findings, every=every, quiet=_state["quiet"],
                   full_list=f"{run.out_dir}/run.json and each pack's workbook")
    _print_counts(run)
    for note in run.notes:
        _warn(note)
    if not _state["quiet"]:
        out.print(_summary(run, wrote=False) + ".")
        # run.json is written too, and listed: the count says every file the list names.
        out.print(f"Wrote {plural(len(run.outputs) + 1, 'file')} to {run.out_dir}:")
        for o in run.outputs:
            out.print(f"  {o.path}")
        out.print("  run.json")
    if strict and run.errors:
        _error(f"{plural(len(run.errors), 'error finding')} (--strict): exit 1")
        raise typer.Exit(1)


@app.command()
@handles_errors
def check(
    config: ConfigOpt = Path("config.yaml"),
    inputs: Annotated[Path | None, typer.Option(help="Read trackers from here instead.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    strict: Annotated[bool, typer.Option(help="Exit 1 when any finding is an error.")] = False,
    every: AllOpt = False,
) -> None:
    """Read and reconcile the trackers and print the findings; write nothing."""
    if fmt not in {"table", "json"}:
        raise typer.BadParameter("expected 'table' or 'json'", param_hint="--format")
    if fmt == "json":
        run = api.check(config, inputs=inputs)
        manifest = run.manifest()
        sys.stdout.write(json.dumps(manifest["findings"], indent=2, ensure_ascii=False) + "\n")
    else:
        run = _read(config, inputs, lambda report: api.check(
            config, inputs=inputs, progress=report))
        print_findings(out, run.findings, every=every, quiet=_state["quiet"],
                       full_list="`planreports check --format json` and a build's run.json")
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
    note = getattr(written, "note", "")
    if note:
        _warn(note)
    if _state["quiet"]:
        return
    last = getattr(written, "last_period", None)
    showing = f", showing {last}'s returns" if last else ""
    out.print(f"Wrote {plural(len(written), 'return template')}{showing}:")
    for path in written:
        out.print(f"  {path}")


@app.command()
@handles_errors
def send(
    config: ConfigOpt = Path("config.yaml"),
    dry_run: Annotated[bool, typer.Option(
        help="Write .eml files instead of sending (needs no email: section).")] = False,
    retry_unknown: Annotated[
        bool, typer.Option(help="Resend messages whose delivery is unknown after a crash.")
    ] = False,
) -> None:
    """Email each pack's workbook (and deck) to its recipients, as configured."""
    from planreports.config import load_config
    from planreports.deliver import send_packs

    report = send_packs(load_config(config), dry_run=dry_run, retry_unknown=retry_unknown)
    _print_delivery(report, nothing="No email: section entries to send.")


@app.command()
@handles_errors
def chase(
    config: ConfigOpt = Path("config.yaml"),
    dry_run: Annotated[bool, typer.Option(
        help="Write .eml files instead of sending (needs no leads.yaml).")] = False,
    again: Annotated[bool, typer.Option(help="Chase leads already chased this period.")] = False,
) -> None:
    """Email each lead whose return is missing their pre-filled return template."""
    from planreports.config import load_config
    from planreports.deliver import chase_returns

    cfg = load_config(config)
    report = chase_returns(cfg, dry_run=dry_run, again=again)
    _print_delivery(report, nothing=(
        f"Nothing to chase for {cfg.report.period}: every workstream has a return and no "
        "update is stale."))


def _print_delivery(report: Any, *, nothing: str) -> None:
    problem = bool(report.blocked or report.failed)
    if not report.lines:
        if not _state["quiet"]:
            out.print(nothing)
        return
    notes = sorted({line.reason for line in report.lines
                    if line.state == "dry-run" and line.reason})
    for note in notes:
        _warn(note)
    if not _state["quiet"] or problem:
        table = Table(title="Email (dry run: written as .eml, nothing sent)" if report.dry_run
                      else "Email")
        for column in ("message", "recipient", "state", "detail"):
            table.add_column(column, overflow="fold")
        for line in report.lines:
            detail = line.reason if line.state != "dry-run" else ""
            table.add_row(line.subject or line.pack, line.recipient, line.state,
                          detail or str(line.eml_path or ""))
        out.print(table)
    if problem:
        raise typer.Exit(1)


@app.command()
@handles_errors
def watch(
    config: ConfigOpt = Path("config.yaml"),
    settle: Annotated[float, typer.Option(
        help="Seconds the inputs folder must be quiet before a rebuild.")] = 2.0,
) -> None:
    """Rebuild the packs whenever a tracker lands in (or changes in) the inputs folder."""
    from planreports.watch import Watched, clock

    def started(where: Watched) -> None:
        out.print(f"Watching {where.inputs} ({plural(where.trackers, 'tracker')}) and "
                  f"{where.config.name}; writing to {where.outputs}.")
        if where.up_to_date:
            out.print("The outputs are up to date with these trackers.")
        out.print("Ctrl+C to stop.")

    def changed(what: list[str]) -> None:
        out.print(f"{clock()} {'; '.join(what)}")

    def built(run: api.Run | None, error: Exception | None) -> None:
        if error is not None:
            _error(str(error))
            err.print(f"{clock()} not built; watching for the next change")
            return
        assert run is not None
        print_findings(out, run.findings, quiet=True)
        for note in run.notes:
            _warn(note)
        out.print(f"{clock()} built {_summary(run)}")

    try:
        api.watch(config, built, settle_seconds=settle, on_start=started, on_change=changed)
    except KeyboardInterrupt:
        out.print("Stopped watching.")


@app.command()
@handles_errors
def table(
    period: Annotated[str, typer.Argument(help="The period's label (or its folder name).")],
    config: ConfigOpt = Path("config.yaml"),
    reopen: Annotated[bool, typer.Option(
        help="Reopen a tabled period, so that it can be built again (recorded too).")] = False,
) -> None:
    """Mark a period's packs as tabled: their hashes recorded, later builds of it refused."""
    done = api.table(config, period, reopen=reopen)
    when = f"{done.at.day} {done.at:%B %Y at %H:%M}"
    if done.action == "reopened":
        out.print(f"Reopened {done.period} ({when}, by {done.by}): `planreports build` may "
                  "write its packs again; its tabling stays in the history.")
        return
    out.print(f"Tabled {done.period} ({when}, by {done.by}): "
              f"{plural(len(done.files), 'file')} recorded with their hashes; a build of "
              f"{done.period} now refuses (`planreports table '{done.period}' --reopen` "
              "to change it).")
    if not _state["quiet"]:
        for f in done.files:
            out.print(f"  {f.path}  {f.sha256[:12]}")


@history_app.command("list")
@handles_errors
def history_list(config: ConfigOpt = Path("config.yaml")) -> None:
    """List the periods in the history database, oldest first."""
    periods = api.history_periods(config)
    if not periods:
        out.print("The history is empty: `planreports build` records each period.")
        return
    table = Table(title="History")
    for column in ("period", "as of", "built", "items", "findings", "folder", "tabled"):
        table.add_column(column, justify="right" if column in {"items", "findings"} else "left")
    for p in periods:
        table.add_row(p.period, p.as_of.isoformat(), f"{p.built_at:%Y-%m-%d %H:%M}",
                      str(p.items), str(p.findings), f"outputs/{p.slug}",
                      f"{p.tabled_at:%Y-%m-%d %H:%M}" if p.tabled_at else "")
    out.print(table)


@history_app.command("remove")
@handles_errors
def history_remove(
    period: Annotated[str, typer.Argument(help="The period's label (or its folder name).")],
    config: ConfigOpt = Path("config.yaml"),
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Remove without asking.")] = False,
) -> None:
    """Remove one period from the history (its outputs folder is left as it is)."""
    periods = {p.period: p for p in api.history_periods(config)}
    match = periods.get(period) or next(
        (p for p in periods.values() if p.slug == period.lower()), None)
    if match is None:
        api.history_remove(config, period)  # raises, naming the periods there are
        return
    if not yes:
        err.print(f"Remove {match.period} (as of {match.as_of}, {plural(match.items, 'item')}) "
                  "from the history? [y/N] ", end="", markup=False)
        answer = sys.stdin.readline()
        if not answer:  # end of input: no one to ask (a script, CI)
            err.print()
            raise UsageError("no answer (nothing to ask at): nothing removed; give --yes to "
                             "remove without asking")
        if answer.strip().lower() not in {"y", "yes"}:
            out.print("Nothing removed.")
            return
    removed = api.history_remove(config, match.period)
    out.print(f"Removed {removed.period} from the history; outputs/{removed.slug}/ is left "
              "as it is.")


def run() -> None:  # pragma: no cover - console entry point
    app()


__all__ = ["app", "run", "tally"]
