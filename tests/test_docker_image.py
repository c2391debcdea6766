"""The Docker image gets what the app needs: every path the Dockerfile copies exists in a
checkout and is not kept out of the build context by .dockerignore (no Docker daemon runs here,
so the image itself is not built by the tests)."""

from __future__ import annotations

import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _copied_paths() -> list[str]:
    paths = []
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY "):
            paths += line.split()[1:-1]  # COPY SOURCE... DESTINATION
    return paths


def _ignored(path: str) -> bool:
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    return any(fnmatch.fnmatch(path, pattern) for pattern in patterns)


def test_the_image_copies_the_app_the_library_its_settings_and_the_demo_model():
    copied = _copied_paths()
    for needed in ("app.py", "pages", "stylespace", "models", ".streamlit", "requirements.txt"):
        assert needed in copied, needed
    for path in copied:
        assert (ROOT / path).exists(), path
        assert not _ignored(path), f"{path} is copied but .dockerignore keeps it out"


def test_the_build_context_leaves_out_the_venv_the_store_and_training_runs():
    for heavy in (".venv", "data", "runs", ".git"):
        assert _ignored(heavy), heavy
