"""Shared fixtures: the repository's sample working folder, copied so tests never touch it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def sample_folder(tmp_path: Path) -> Path:
    """A copy of the repository's working folder (config, inputs, templates), fresh outputs."""
    folder = tmp_path / "work"
    folder.mkdir()
    shutil.copy(ROOT / "config.yaml", folder / "config.yaml")
    shutil.copytree(ROOT / "inputs", folder / "inputs")
    shutil.copytree(ROOT / "templates", folder / "templates")
    (folder / "outputs").mkdir()
    return folder


def soffice_convert(path: Path, outdir: Path, fmt: str = "pdf", timeout: int = 240) -> Path:
    """Convert with LibreOffice, as a real client opening our file; a private profile per call
    directory so concurrent runs do not fight over one profile lock."""
    profile = outdir / ".lo-profile"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            fmt,
            "--outdir",
            str(outdir),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=timeout,
    )
    result = outdir / (path.stem + "." + fmt)
    if not result.exists():
        raise AssertionError(f"LibreOffice did not convert {path.name}")
    return result
