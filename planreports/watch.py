"""Watching the inputs folder: one rebuild per real change to the trackers or config.yaml.

File-system events say that something happened to a path, not that a tracker changed: a build
opens and reads every tracker (inotify reports each open and close), Excel saves through
temporary files and lock files, and the build writes its own temporary files, lock and outputs.
So events only wake the loop; what decides a rebuild is the trackers' content. After the folder
has been quiet for `settle` seconds, the loop takes a fingerprint (each tracker's path and
SHA-256, and config.yaml's) and builds only when it differs from the one the last build read.
A touch, a build's own reads, a lock file or a save that changes nothing builds nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from planreports.config import Config, load_config
from planreports.errors import InputError, PlanreportsError
from planreports.read.files import is_skipped_silently, list_inputs, sha256_of

# Only these say a file's content may have changed; "opened" and "closed_no_write" are reads.
CHANGE_EVENTS = frozenset({"created", "modified", "moved", "deleted", "closed"})


@dataclass(frozen=True)
class Watched:
    """What a watch reads and writes, said before the first build."""

    config: Path
    inputs: Path
    outputs: Path  # outputs/<period-slug>
    trackers: int
    up_to_date: bool  # run.json already records these trackers, so nothing is rebuilt at start


Fingerprint = Mapping[str, str]  # tracker path relative to the inputs folder (or "config") -> sha


class Fingerprints:
    """Fingerprints of the trackers; a file's hash is reused while its size and mtime hold."""

    def __init__(self, config: Config) -> None:
        self.config_path = config.path
        self.inputs = config.inputs_dir
        self.outputs = config.outputs_dir.resolve()
        self._cache: dict[Path, tuple[int, int, str]] = {}

    def take(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for path in [*list_inputs(self.inputs).files, self.config_path]:
            if path != self.config_path and path.resolve().is_relative_to(self.outputs):
                continue  # outputs kept under inputs/ are ours, not trackers
            try:
                stat = path.stat()
                known = self._cache.get(path)
                if known and known[:2] == (stat.st_size, stat.st_mtime_ns):
                    digest = known[2]
                else:
                    digest = sha256_of(path)
                    self._cache[path] = (stat.st_size, stat.st_mtime_ns, digest)
            except OSError:
                continue  # gone between the listing and the read: the next look sees it
            key = "config" if path == self.config_path else path.relative_to(
                self.inputs).as_posix()
            out[key] = digest
        return out


def changes(before: Fingerprint, after: Fingerprint) -> list[str]:
    """'added X', 'changed X', 'removed X' for each tracker (and config.yaml) that differs."""
    out = []
    for name in sorted(set(before) | set(after)):
        shown = "config.yaml" if name == "config" else name
        if name not in before:
            out.append(f"added {shown}")
        elif name not in after:
            out.append(f"removed {shown}")
        elif before[name] != after[name]:
            out.append(f"changed {shown}")
    return out


def _last_built(config: Config) -> dict[str, str] | None:
    """The trackers the period's run.json says were read, as a fingerprint (no config entry)."""
    path = config.outputs_dir / config.period_slug / "run.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        if path.stat().st_mtime_ns < config.path.stat().st_mtime_ns:
            return None  # config.yaml changed since: the outputs may not follow it
        return {str(i["path"]): str(i["sha256"]) for i in manifest.get("inputs") or []}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def watch(
    config_path: str | Path,
    build: Callable[[], object],
    on_build: Callable[[object | None, Exception | None], None],
    *,
    settle: float = 2.0,
    stop: Callable[[], bool] = lambda: False,
    on_start: Callable[[Watched], None] | None = None,
    on_change: Callable[[list[str]], None] | None = None,
) -> None:
    """Call `build` at start when the outputs are out of date, then once per real change."""
    from watchdog.events import FileSystemEvent, FileSystemEventHandler
    from watchdog.observers import Observer

    config = load_config(config_path)
    folder = config.inputs_dir
    if not folder.is_dir():
        raise InputError(f"the inputs folder {folder} does not exist")
    prints = Fingerprints(config)
    now = prints.take()
    last = _last_built(config)
    trackers = {k: v for k, v in now.items() if k != "config"}
    up_to_date = last is not None and last == trackers
    if on_start is not None:
        on_start(Watched(config.path, folder, config.outputs_dir / config.period_slug,
                         len(trackers), up_to_date))
    woken = threading.Event()
    last_event = [time.monotonic()]
    outputs = config.outputs_dir.resolve()

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            if event.event_type not in CHANGE_EVENTS:
                return
            for raw in (event.src_path, getattr(event, "dest_path", "")):
                if not raw:
                    continue
                path = Path(str(raw))
                try:
                    if path.resolve().is_relative_to(outputs):
                        continue
                    if is_skipped_silently(path, folder):
                        continue
                except ValueError:
                    continue  # not under the inputs folder (a move out of it is seen as src)
                last_event[0] = time.monotonic()
                woken.set()
                return

    built: Fingerprint = now if up_to_date else {}

    def rebuild(fingerprint: Fingerprint) -> None:
        nonlocal built
        if on_change is not None and built:
            on_change(changes(built, fingerprint))
        built = fingerprint  # even when it fails: the same broken input is not retried
        try:
            on_build(build(), None)
        except PlanreportsError as exc:
            on_build(None, exc)

    if not up_to_date:
        rebuild(now)
    config_stat = _stat(config.path)
    observer = Observer()
    observer.schedule(Handler(), str(folder), recursive=True)
    observer.start()
    try:
        while not stop():
            if _stat(config.path) != config_stat:
                config_stat = _stat(config.path)
                last_event[0] = time.monotonic()
                woken.set()
            if not woken.wait(0.2):
                continue
            if time.monotonic() - last_event[0] < settle:
                continue  # still being written: Excel and file copies save in several steps
            woken.clear()
            fingerprint = prints.take()
            if fingerprint != built:
                rebuild(fingerprint)
    finally:
        observer.stop()
        observer.join(5)


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


def clock() -> str:
    """The time a watch line is printed at, e.g. 14:02:31."""
    return f"{dt.datetime.now():%H:%M:%S}"
