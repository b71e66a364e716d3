"""Shared fixtures: settings redirected to a temp dir, a small real model bundle."""

from __future__ import annotations

import os

import pytest

from tests.helpers import build_tiny_bundle

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

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
