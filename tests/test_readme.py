"""The README tells a new user the truth: CI runs exactly its install and test commands."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _ci_command(name: str) -> str:
    match = re.search(rf"^{name}='(.+)'$", (ROOT / ".ci" / "run").read_text(), re.MULTILINE)
    assert match, f"{name} missing from .ci/run"
    return match.group(1)


def test_ci_installs_and_tests_with_the_readme_commands():
    readme = (ROOT / "README.md").read_text()
    setup = re.search(r"```bash\n(.+?)\n```", readme, re.DOTALL)
    assert setup, "README has no set-up block"
    commands = [line for line in setup.group(1).splitlines() if line and not line.startswith("#")]
    assert len(commands) == 2, "README's set-up block has exactly two commands"
    install, test = commands
    assert install.startswith(_ci_command("INSTALL"))
    assert test == _ci_command("TEST")


def test_requirements_pin_exact_versions_including_the_cpu_torch():
    lines = [
        line
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert all("==" in line for line in lines)
    assert "torch==2.13.0" in lines
