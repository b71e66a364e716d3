"""Shared fixtures: settings redirected to a temp dir, a small real model bundle."""

from __future__ import annotations

import os

import pytest

from tests.helpers import EXTRA_DATA_ENV, build_tiny_bundle

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        f"extra_data(name): optional check against the original file NAME, found in a folder "
        f"named by {EXTRA_DATA_ENV}; deselected when that variable is unset, failed when it is "
        f"set and NAME is not there",
    )


def pytest_collection_modifyitems(config, items):
    """Tests marked ``extra_data`` need files outside the repository: run them only when the
    user names where those files are. Deselected tests are counted in pytest's summary."""
    if os.environ.get(EXTRA_DATA_ENV):
        return
    dropped = [item for item in items if item.get_closest_marker("extra_data")]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if not item.get_closest_marker("extra_data")]


def pytest_report_header(config):
    folders = os.environ.get(EXTRA_DATA_ENV)
    if folders:
        return f"extra data (tests marked extra_data run): {folders}"
    return f"extra data: {EXTRA_DATA_ENV} not set, tests marked extra_data deselected"


@pytest.fixture
def extra_data(request):
    """Path of the file named by the test's ``extra_data`` marker; the test fails when it is in
    none of the folders of HANZIPAD_EXTRA_DATA."""
    from pathlib import Path

    name = request.node.get_closest_marker("extra_data").args[0]
    folders = [Path(f) for f in os.environ.get(EXTRA_DATA_ENV, "").split(os.pathsep) if f]
    for folder in folders:
        if (folder / name).is_file():
            return folder / name
    pytest.fail(f"{name} is in none of {EXTRA_DATA_ENV}={os.environ.get(EXTRA_DATA_ENV)!r}")

@pytest.fixture(autouse=True)
def _settings_in_tmp(tmp_path, monkeypatch):
    """Never touch the user's real settings: QSettings and XDG dirs go to a temp dir."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    try:
        from PySide6.QtCore import QSettings
    except ImportError:
        return
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))


@pytest.fixture(scope="session")
def tiny_bundle(tmp_path_factory):
    """Path of a small valid model bundle (10 classes), built once per test session."""
    pytest.importorskip("tensorflow")
    return build_tiny_bundle(tmp_path_factory.mktemp("bundle") / "tiny")
