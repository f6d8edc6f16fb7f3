"""The command line as a user meets it: the installed console script."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from clusterkb import __version__

CLUSTERKB = Path(sys.executable).parent / "clusterkb"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CLUSTERKB), *args], capture_output=True, text=True, timeout=120)


def test_version_prints_the_installed_version():
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"clusterkb, version {__version__}"
    assert __version__ != "0.0.0"


def test_help_lists_the_subcommands():
    result = run("--help")
    assert result.returncode == 0
    assert "serve" in result.stdout


def test_unknown_subcommand_is_a_usage_error_with_exit_2():
    result = run("no-such-command")
    assert result.returncode == 2
    assert "No such command" in result.stderr
    assert "Traceback" not in result.stderr
