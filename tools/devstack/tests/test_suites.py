"""``make test``'s runner: suites side by side, a failed suite's log shown, exit 5 never passing."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from devstack.lifetime import Lifetime
from devstack.suites import Suite, closing_line, counts, main, parse_suite, run

from tests.conftest import listening


def _suite(root: Path, name: str, body: str | None) -> Suite:
    folder = root / name
    folder.mkdir()
    (folder / "pytest.ini").write_text(
        "[pytest]\naddopts = -p no:cacheprovider -p no:schemathesis -p no:hypothesispytest\n"
    )
    if body is not None:
        (folder / f"test_{name}.py").write_text(body)
    return Suite(folder, 0)


def test_closing_line_and_counts() -> None:
    log = "....F\n=========== 4 passed, 1 failed, 2 skipped, 1 error in 3.21s ===========\n"
    summary = closing_line(log)
    assert summary == "4 passed, 1 failed, 2 skipped, 1 error in 3.21s"
    assert counts(summary) == {"passed": 4, "failed": 1, "skipped": 2, "errors": 1}
    assert closing_line("collected 0 items\n") == ""


def test_parse_suite() -> None:
    assert parse_suite("tools/devhost:2") == Suite(Path("tools/devhost"), 2)
    assert parse_suite(".") == Suite(Path("."), 0)
    with pytest.raises(argparse.ArgumentTypeError, match="FOLDER:WORKERS"):
        parse_suite("tools/devhost:two")


def test_all_passing_suites_pass_with_a_total(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    suites = [
        _suite(tmp_path, "one", "def test_a():\n    pass\n"),
        _suite(tmp_path, "two", "def test_b():\n    pass\n\ndef test_c():\n    pass\n"),
    ]
    assert run(suites, tmp_path / "logs", Lifetime()) == 0
    out = capsys.readouterr().out
    assert "one: passed, 1 passed" in out and "two: passed, 2 passed" in out
    assert out.splitlines()[-1] == "3 passed, 0 failed"
    assert (tmp_path / "logs" / f"{suites[0].log_name}.log").read_text().strip()


def test_a_failing_suite_shows_its_log_and_fails_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    suites = [
        _suite(tmp_path, "good", "def test_a():\n    pass\n"),
        _suite(tmp_path, "bad", "def test_b():\n    assert 1 == 2, 'the reason it failed'\n"),
    ]
    assert run(suites, tmp_path / "logs", Lifetime()) == 1
    out = capsys.readouterr().out
    assert "the reason it failed" in out  # the failed suite's whole log
    assert "bad: FAILED (exit 1)" in out
    assert "1 passed, 1 failed" in out
    assert out.splitlines()[-1].endswith("failed: " + suites[1].name)


def test_a_suite_without_tests_fails_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    suites = [_suite(tmp_path, "good", "def test_a():\n    pass\n"), _suite(tmp_path, "empty", None)]
    assert run(suites, tmp_path / "logs", Lifetime()) == 1
    assert "empty: FAILED (no tests collected)" in capsys.readouterr().out


def test_every_suite_shares_one_azurite_that_ends_with_the_run_and_one_bytecode_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")  # as on machines that keep trees free of .pyc
    monkeypatch.delenv("PYTHONPYCACHEPREFIX", raising=False)
    probe = (
        "import os, pathlib, urllib.error, urllib.request\n"
        "def test_shared():\n"
        "    connection = os.environ['LOOPBACK_AZURITE']\n"
        "    endpoint = connection.split('TableEndpoint=')[1].rstrip(';')\n"
        "    try:\n"
        "        urllib.request.urlopen(endpoint + '/Tables', timeout=30)\n"
        "    except urllib.error.HTTPError:\n"
        "        pass  # any answer: Azurite is listening (it refuses an unsigned request)\n"
        "    pathlib.Path('seen.txt').write_text(connection)\n"
    )
    suites = [_suite(tmp_path, "one", probe), _suite(tmp_path, "two", probe)]
    logs = tmp_path / "logs"
    assert main(["--logs", str(logs), *(f"{suite.folder}:0" for suite in suites)]) == 0
    seen = {(suite.folder / "seen.txt").read_text() for suite in suites}
    assert len(seen) == 1  # both suites got the same Azurite
    port = int(seen.pop().split("TableEndpoint=http://127.0.0.1:")[1].split("/")[0])
    assert not listening(port)  # stopped with the run
    assert list((logs / "pycache").rglob("test_one*.pyc"))  # compiled once, outside the tree
    assert not list(tmp_path.glob("*/__pycache__"))
