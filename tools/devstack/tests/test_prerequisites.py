"""The Makefile's prerequisite check (bin/check-prerequisites) says what is missing, and how to fix it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from devstack.stack import PROJECT_ROOT

CHECK = PROJECT_ROOT / "tools" / "devstack" / "bin" / "check-prerequisites"
NODE = shutil.which("node")


def check(python: str, cwd: Path = PROJECT_ROOT, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": path if path is not None else os.environ["PATH"]}
    return subprocess.run(
        ["/bin/sh", str(CHECK), python],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def fake_python(folder: Path, version: str) -> Path:
    """A `python` that reports ``version`` and fails the >= 3.10 check, as an old interpreter would."""
    script = folder / "python-old"
    script.write_text(f'#!/bin/sh\ncase "$2" in *print*) echo {version};; *exit*) exit 1;; esac\n')
    script.chmod(0o755)
    return script


def test_this_machine_passes():
    result = check(sys.executable)
    assert result.returncode == 0, result.stderr
    assert "not found" not in result.stderr and "does not run" not in result.stderr


def test_a_missing_or_old_python_is_named_with_the_fix(tmp_path):
    result = check(str(tmp_path / "no-such-python"))
    assert result.returncode == 1
    assert "does not run: install Python 3.10 or newer" in result.stderr
    result = check(str(fake_python(tmp_path, "3.9.18")))
    assert result.returncode == 1
    assert "is Python 3.9.18: install Python 3.10 or newer" in result.stderr


def test_missing_node_is_named(tmp_path):
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "python3").symlink_to(sys.executable)
    result = check("python3", path=f"{tmp_path / 'bin'}:/nonexistent")
    assert result.returncode == 1
    assert "Node.js and npm are needed for Azurite" in result.stderr


@pytest.mark.skipif(NODE is None, reason="needs node")
def test_a_node_older_than_azurite_declares_is_warned_about(tmp_path):
    lock = {"packages": {"node_modules/azurite": {"version": "9.9.9", "engines": {"node": ">=99.0.0"}}}}
    (tmp_path / "package-lock.json").write_text(json.dumps(lock))
    result = check(sys.executable, cwd=tmp_path)
    assert result.returncode == 0  # npm only warns too
    assert "Azurite 9.9.9 declares Node >=99.0.0" in result.stderr
    assert "Install Node 99 or newer" in result.stderr
