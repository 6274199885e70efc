"""The test command's summary says what ran and what was skipped."""

import importlib.util
from pathlib import Path

import pytest

RUN = Path(__file__).resolve().parents[1] / "run.py"


@pytest.fixture
def run_module():
    spec = importlib.util.spec_from_file_location("mphub_test_command", RUN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_skipped_odoo_tests_are_reported_as_skipped_not_ok(
    run_module, monkeypatch, capsys, tmp_path
):
    monkeypatch.setattr(run_module, "ensure_venv", lambda skip: "python")
    monkeypatch.setattr(run_module, "core_tests", lambda python, keyword: True)
    monkeypatch.setattr(
        run_module, "odoo_probe", lambda python: (None, "Odoo 18 is not importable")
    )
    monkeypatch.setenv("MPHUB_CONTRACTS_DIR", str(tmp_path / "nowhere"))
    assert run_module.main(["--skip-lint"]) == 0
    out = capsys.readouterr().out
    assert "odoo tests: skipped (Odoo 18 is not importable)" in out
    assert "odoo tests: ok" not in out
    assert "contract tests: skipped (official API descriptions not found" in out
    assert "core tests: ok" in out


def test_a_failure_fails_the_command(run_module, monkeypatch, capsys):
    monkeypatch.setattr(run_module, "ensure_venv", lambda skip: "python")
    monkeypatch.setattr(run_module, "core_tests", lambda python, keyword: False)
    assert run_module.main(["--skip-lint", "--skip-odoo"]) == 1
    assert "core tests: FAILED" in capsys.readouterr().out
