"""``scripts/system-deps``, the step ``make test`` runs first (issue: make test on a fresh machine).

Each case runs the real script with a PATH built for it in a temporary folder, so that
"installed" and "missing" are decided by what that PATH holds. ``apt-get`` there is a
recorder (the real one would change this machine); that the real install works is what CI
proves on every fresh machine, since ``.ci/run`` is only ``make test``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "system-deps"


@pytest.fixture
def tmp_path():
    """A temporary folder every user can enter (pytest's own is private to its user), so the
    script can also run as ``nobody``."""
    folder = Path(tempfile.mkdtemp(prefix="system-deps-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


def _bin(tmp_path: Path, *, present: tuple[str, ...], apt_log: Path | None = None) -> Path:
    """A PATH folder with the tools the script uses, the given commands, and maybe apt-get."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for tool in ("id", "env", "sh"):
        (folder / tool).symlink_to(shutil.which(tool))
    for command in present:
        (folder / command).write_text("#!/bin/sh\nexit 0\n")
        (folder / command).chmod(0o755)
    if apt_log is not None:
        (folder / "apt-get").write_text(f'#!/bin/sh\necho "$*" >> {apt_log}\n')
        (folder / "apt-get").chmod(0o755)
    return folder


def _run(folder: Path, *, as_nobody: bool = False) -> subprocess.CompletedProcess:
    command = [str(folder / "sh"), str(SCRIPT)]
    if as_nobody:
        command = [shutil.which("setpriv"), "--reuid=65534", "--regid=65534",
                   "--clear-groups", *command]
    return subprocess.run(command, env={"PATH": str(folder)}, capture_output=True,
                          text=True, timeout=30)


def test_nothing_missing_runs_no_apt_get_and_prints_nothing(tmp_path):
    apt_log = tmp_path / "apt.log"
    folder = _bin(tmp_path, present=("chromium", "virtuoso-t"), apt_log=apt_log)
    result = _run(folder)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""
    assert not apt_log.exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="installing is tried only as root or with sudo")
def test_as_root_installs_exactly_what_is_missing(tmp_path):
    apt_log = tmp_path / "apt.log"
    folder = _bin(tmp_path, present=("chromium",), apt_log=apt_log)
    result = _run(folder)
    assert result.returncode == 0, result.stderr
    assert apt_log.read_text().splitlines() == [
        "update -q", "install -y --no-install-recommends virtuoso-opensource"]
    assert "installed virtuoso-opensource" in result.stdout


def test_without_root_or_sudo_stops_with_the_command_to_run(tmp_path):
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        pytest.fail("running as root, this test drops to nobody with setpriv (util-linux)")
    apt_log = tmp_path / "apt.log"
    folder = _bin(tmp_path, present=(), apt_log=apt_log)
    result = _run(folder, as_nobody=os.geteuid() == 0)
    assert result.returncode == 1
    assert "denied" not in result.stderr, result.stderr
    assert ("sudo apt-get update && sudo apt-get install -y --no-install-recommends "
            "chromium virtuoso-opensource") in result.stderr
    assert not apt_log.exists()
