"""Docs that cannot drift: every command, option and error code is in the README."""

from __future__ import annotations

import re

import click
import pytest

from qa.cli import main
from qa.errors import CODES
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_starts_with_the_two_commands():
    block = re.search(r"```bash\n(.*?)```", README, re.S)
    assert block and README.index(block.group(0)) < README.index("\n## ")
    lines = block.group(1).strip().splitlines()
    assert len(lines) == 2
    assert "callqa run demo/calls" in lines[0] and "pytest" in lines[1]
    assert all(line.startswith("python3.11 -m venv .venv") for line in lines)


def test_ci_runs_the_readme_test_command():
    block = re.search(r"```bash\n(.*?)```", README, re.S)
    assert block
    test_command = block.group(1).strip().splitlines()[1]
    assert test_command in (ROOT / ".ci" / "run").read_text()


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_command_is_documented(name: str):
    assert f"callqa {name}" in README


@pytest.mark.parametrize(
    "option",
    sorted(
        {
            opt
            for p in main.commands["run"].params
            if isinstance(p, click.Option)
            for opt in p.opts
            if opt.startswith("--")
        }
    ),
)
def test_every_run_option_is_documented(option: str):
    assert f"`{option}" in README


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_error_code_is_documented(code: str):
    assert f"`{code}`" in README
