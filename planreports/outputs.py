"""Writing outputs as one set: staged out of sight, then moved into place together, or not at all.

A period folder's packs, run.json and the history snapshot must agree: `send` trusts run.json
to say which pack may be emailed, so a new deck beside an old run.json could email a patient
identifier. So a build

1. holds the period's lock (`outputs/.<period>.lock`): a second build waits, then says who has it;
2. writes every file unnamed (Linux O_TMPFILE; elsewhere a hidden `.name.*.tmp`), so a killed
   build leaves nothing behind, and files are created with the mode a plain open() gives;
3. commits: each old file is renamed aside, each new one linked in, run.json last; a journal
   (`.commit.json`) lists the moves, so a build killed mid-way is undone by the next one;
4. and the caller commits the history transaction before the old files are dropped. Any
   failure puts every old file back and raises a RenderError naming the file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import os
import socket
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import orjson
from filelock import FileLock, Timeout

from planreports.errors import RenderError
from planreports.forked import Host, run_all

T = TypeVar("T")
JOURNAL = ".commit.json"
LOCK_WAIT_SECONDS = 300.0
# Dates, datetimes and dataclasses go through str() as json's default=str takes them.
_JSON_OPTIONS = (orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE | orjson.OPT_NON_STR_KEYS
                 | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS)


@dataclass(frozen=True, slots=True)
class Written:
    path: Path
    sha256: str


@dataclass
class _Staged:
    target: Path
    sha256: str
    fd: int | None  # an unnamed file, linked in at commit
    tmp: Path | None  # or a hidden named one, where the filesystem has no unnamed files
    # (neither: the target is removed at commit, see OutputSet.remove)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _can_link_unnamed() -> bool:
    return hasattr(os, "O_TMPFILE") and Path("/proc/self/fd").is_dir()


class OutputSet:
    """The files one build writes into one folder, committed together."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.staged: dict[str, _Staged] = {}
        self._moved: list[tuple[Path, Path | None]] = []  # (target, its old file aside)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RenderError(f"cannot write to {folder}: {exc.strerror or exc}") from None

    # --- staging ----------------------------------------------------------------------
    def add(self, name: str, write: Callable[[Path], object]) -> Written:
        """Call `write(path)` on a new unnamed file; it becomes `name` at commit."""
        return self.add_all([(name, write)], workers=1)[0][0]

    def add_all(
        self, jobs: Sequence[tuple[str, Callable[[Path], T]]], workers: int | None = None,
        host: Host | None = None,
    ) -> list[tuple[Written, T]]:
        """`add` for several files at once, written in parallel worker processes (see
        planreports.forked), the `host`'s if given: each written file with what its `write`
        returned, in order."""
        reserved: list[tuple[str, int, Path | None, str]] = []
        sealed = 0
        try:
            for name, _ in jobs:
                reserved.append((name, *self._new_file(self.folder / name)))
            if host is not None:
                results = host.run_all([write for _, write in jobs],
                                       [path for *_, path in reserved],
                                       [fd for _, fd, _, _ in reserved])
            else:
                results = run_all([functools.partial(write, Path(path)) for (_, write), (*_, path)
                                   in zip(jobs, reserved, strict=True)], workers)
            written = []
            for (name, fd, tmp, _), result in zip(reserved, results, strict=True):
                written.append((self._seal(name, fd, tmp), result))
                sealed += 1
            return written
        except BaseException as exc:
            for _, fd, tmp, _ in reserved[sealed:]:
                with contextlib.suppress(OSError):
                    os.close(fd)
                if tmp is not None:
                    tmp.unlink(missing_ok=True)
            if isinstance(exc, OSError):
                where = self.folder / reserved[-1][0] if reserved else self.folder
                raise RenderError(f"cannot write {where}: {exc.strerror or exc}") from None
            raise

    def _seal(self, name: str, fd: int, tmp: Path | None) -> Written:
        """The written file flushed to disk and hashed, staged for the commit."""
        os.fsync(fd)
        os.lseek(fd, 0, os.SEEK_SET)
        with open(os.dup(fd), "rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
        staged_fd: int | None = fd
        if tmp is not None:
            os.close(fd)
            staged_fd = None
        target = self.folder / name
        self.staged[name] = _Staged(target, digest, staged_fd, tmp)
        return Written(target, digest)

    def read(self, name: str) -> bytes:
        """The bytes of a file staged as `name` (e.g. a deck that a later output is made from)."""
        staged = self.staged[name]
        if staged.fd is None:
            return staged.tmp.read_bytes()  # type: ignore[union-attr]
        size = os.fstat(staged.fd).st_size
        return os.pread(staged.fd, size, 0)

    def remove(self, name: str) -> None:
        """At commit, `name` is taken away (put back on rollback): an output this build no
        longer makes must not stay beside the new set, looking current."""
        if (self.folder / name).exists():
            self.staged[name] = _Staged(self.folder / name, "", None, None)

    def add_json(self, name: str, data: object) -> Written:
        """`data` as indented UTF-8 JSON: what json.dumps(indent=2, ensure_ascii=False,
        default=str) writes, byte for byte, twenty times as fast."""
        encoded = orjson.dumps(data, default=str, option=_JSON_OPTIONS)
        return self.add(name, lambda p: p.write_bytes(encoded))

    def _new_file(self, target: Path) -> tuple[int, Path | None, str]:
        try:
            if _can_link_unnamed():
                with contextlib.suppress(OSError):  # e.g. a network drive without O_TMPFILE
                    fd = os.open(self.folder, os.O_TMPFILE | os.O_RDWR, 0o666)
                    return fd, None, f"/proc/self/fd/{fd}"
            fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=self.folder)
            os.chmod(name, 0o666 & ~_umask())  # mkstemp's 0600 would hide the pack from colleagues
            return fd, Path(name), name
        except OSError as exc:
            raise RenderError(f"cannot write to {self.folder}: {exc.strerror or exc}") from None

    # --- committing ---------------------------------------------------------------------
    def commit(self, last: str | None = None) -> None:
        """Move every staged file into place (`last` after the rest); undo all on any failure."""
        order = sorted(self.staged, key=lambda n: (n == last, n))
        asides = {n: self.folder / f".{n}.{os.getpid()}.bak" for n in order}
        _write_journal(self.folder, "moving", [
            (str(self.staged[n].target), str(asides[n])) for n in order
        ])
        try:
            for name in order:
                staged = self.staged[name]
                aside: Path | None = asides[name]
                try:
                    os.rename(staged.target, aside)  # type: ignore[arg-type]
                except FileNotFoundError:
                    aside = None
                except OSError as exc:
                    raise self._refusal(staged.target, exc) from None
                self._moved.append((staged.target, aside))
                try:
                    if staged.fd is not None:
                        _link_unnamed(staged.fd, staged.target)
                    elif staged.tmp is not None:
                        os.rename(staged.tmp, staged.target)
                except OSError as exc:
                    raise self._refusal(staged.target, exc) from None
        except BaseException:
            self.rollback()
            raise

    def finish(self) -> None:
        """The set (and history) is committed: drop the old files and the journal."""
        _write_journal(self.folder, "committed", [
            (str(t), str(a)) for t, a in self._moved if a is not None
        ])
        for _target, aside in self._moved:
            if aside is not None:
                with contextlib.suppress(OSError):
                    aside.unlink()
        self._moved.clear()
        (self.folder / JOURNAL).unlink(missing_ok=True)
        self.close()

    def rollback(self) -> None:
        """Put every old file back where it was; the new ones are dropped."""
        for target, aside in reversed(self._moved):
            with contextlib.suppress(OSError):
                if aside is not None and aside.exists():
                    os.replace(aside, target)
                else:
                    target.unlink(missing_ok=True)
        self._moved.clear()
        (self.folder / JOURNAL).unlink(missing_ok=True)
        self.close()

    def close(self) -> None:
        for staged in self.staged.values():
            if staged.fd is not None:
                with contextlib.suppress(OSError):
                    os.close(staged.fd)
                staged.fd = None
            if staged.tmp is not None:
                staged.tmp.unlink(missing_ok=True)
        self.staged.clear()

    def __enter__(self) -> OutputSet:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._moved:
            self.rollback()
        self.close()

    def _refusal(self, target: Path, exc: OSError) -> RenderError:
        why = exc.strerror or str(exc)
        return RenderError(
            f"{target} cannot be replaced ({why}; open in another program, or read-only?): "
            "nothing was changed, the previous outputs are kept as they were. Close it and "
            "build again"
        )


def _link_unnamed(fd: int, target: Path) -> None:
    # Python's os.link calls link(2), which would link the /proc symlink itself (EXDEV);
    # giving a dir_fd makes it call linkat(2) with AT_SYMLINK_FOLLOW, which links the file.
    folder = os.open(target.parent, os.O_RDONLY)
    try:
        os.link(f"/proc/self/fd/{fd}", target.name, dst_dir_fd=folder)
    finally:
        os.close(folder)


def write_atomic(target: Path, write: Callable[[Path], object]) -> Written:
    """One file on its own (a return template): staged, then moved over `target`."""
    with OutputSet(target.parent) as files:
        written = files.add(target.name, write)
        files.commit()
        files.finish()
    return written


def _write_journal(folder: Path, state: str, moves: list[tuple[str, str]]) -> None:
    path = folder / JOURNAL
    tmp = folder / f"{JOURNAL}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps({"state": state, "pid": os.getpid(), "moves": moves}), "utf-8")
    os.replace(tmp, path)


def recover(folder: Path) -> list[str]:
    """Finish or undo what a killed build left; remove its hidden leftovers. Under the lock."""
    done: list[str] = []
    journal = folder / JOURNAL
    if journal.exists():
        try:
            state = json.loads(journal.read_text("utf-8"))
            moves = [(Path(t), Path(a)) for t, a in state.get("moves", [])]
        except (OSError, ValueError):
            state, moves = {}, []
        for target, aside in moves:
            if not aside.exists():
                continue
            if state.get("state") == "committed":
                aside.unlink(missing_ok=True)
            else:
                os.replace(aside, target)
                done.append(f"restored {target.name}, which a build stopped part-way had replaced")
        journal.unlink(missing_ok=True)
    if folder.is_dir():
        for leftover in folder.iterdir():
            if leftover.name.startswith(".") and leftover.name.endswith((".tmp", ".bak")):
                with contextlib.suppress(OSError):
                    leftover.unlink()
    return done


@contextlib.contextmanager
def build_lock(
    folder: Path, *, wait: float = LOCK_WAIT_SECONDS, on_wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the period folder's lock; a second holder waits up to `wait` seconds."""
    lock_path = folder.parent / f".{folder.name}.lock"
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(lock_path, timeout=0, mode=0o666 & ~_umask())
    except OSError as exc:
        raise RenderError(f"cannot write to {folder.parent}: {exc.strerror or exc}") from None
    try:
        lock.acquire(timeout=0)
    except Timeout:
        holder = _holder(lock_path)
        if on_wait:
            on_wait(f"waiting for {holder}, which is writing {folder}")
        try:
            lock.acquire(timeout=wait)
        except Timeout:
            raise RenderError(
                f"{holder} is still writing {folder} after {wait:.0f} s; try again when it "
                f"has finished (lock: {lock_path})"
            ) from None
    try:
        with contextlib.suppress(OSError):
            lock_path.write_text(
                f"pid {os.getpid()} on {socket.gethostname()}, started "
                f"{dt.datetime.now():%d %b %Y %H:%M:%S}\n", "utf-8",
            )
        yield
    finally:
        lock.release()


def _holder(lock_path: Path) -> str:
    for _ in range(10):  # the holder writes who it is just after taking the lock
        with contextlib.suppress(OSError):
            said = lock_path.read_text("utf-8").strip()
            if said:
                return f"another planreports ({said})"
        time.sleep(0.05)
    return "another planreports"
