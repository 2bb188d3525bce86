"""Writing outputs atomically: a failed run never leaves a half-written file or loses the last.

Each file is written to a temporary name in the target folder, flushed to disk, then moved
over the target with os.replace (atomic on one filesystem). When the target cannot be replaced
(open in Excel on Windows, a read-only file) the previous file is kept and the new one is
saved beside it, and the caller is told where.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from planreports.errors import RenderError


@dataclass(frozen=True, slots=True)
class Written:
    path: Path
    sha256: str
    note: str = ""  # non-empty when saved beside a target that could not be replaced


def write_atomic(target: Path, write: Callable[[Path], object]) -> Written:
    """Call `write(tmp_path)`, then move the finished file over `target`."""
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise RenderError(f"cannot write to {folder}: {exc.strerror or exc}") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        with tmp.open("rb+") as handle:
            os.fsync(handle.fileno())
        with tmp.open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
        try:
            os.replace(tmp, target)
            return Written(target, digest)
        except PermissionError:
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            beside = target.with_name(f"{target.stem} (new {stamp}){target.suffix}")
            os.replace(tmp, beside)
            return Written(
                beside,
                digest,
                f"{target.name} could not be replaced (open in another program?); the previous "
                f"file is kept and the new one saved as {beside.name}",
            )
    except RenderError:
        raise
    except OSError as exc:
        raise RenderError(f"cannot write {target}: {exc.strerror or exc}") from None
    finally:
        if tmp.exists():
            tmp.unlink()


def write_json_atomic(target: Path, data: object) -> Written:
    def dump(path: Path) -> None:
        path.write_text(
            json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
        )

    return write_atomic(target, dump)
