"""Cheap checks of the installer's inputs: desktop entry, AppStream metainfo, icons, spec and
scripts (the real build and its checks are resources/packaging/build-linux and check-deb)."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

import hanzipad

ROOT = Path(__file__).resolve().parents[2]
RES = ROOT / "resources"
APP_ID = "io.github.hanzipad.HanziPad"
DESKTOP = RES / "desktop" / f"{APP_ID}.desktop"
METAINFO = RES / "desktop" / f"{APP_ID}.metainfo.xml"
PACKAGING = RES / "packaging"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive
    parser.read_string(DESKTOP.read_text(encoding="utf-8"))
    return parser["Desktop Entry"]


def test_desktop_entry_contract():
    e = desktop_entry()
    assert e["Type"] == "Application"
    assert e["Exec"] == "hanzipad %F"
    assert e["Icon"] == APP_ID
    assert e["Terminal"] == "false"
    assert set(e["MimeType"].rstrip(";").split(";")) == {"image/png", "image/jpeg", "image/bmp"}
    assert e["Categories"] == "Utility;Education;"
    assert e["Name"] == "HanziPad"
    name_zh = e["Name[zh_CN]"]
    assert name_zh and all("\u4e00" <= ch <= "\u9fff" for ch in name_zh)
    for key in ("MimeType", "Categories", "Keywords"):
        assert e[key].endswith(";"), f"{key} list must end with ';'"


def test_metainfo_matches_desktop_entry_and_version():
    root = ET.parse(METAINFO).getroot()
    assert root.tag == "component" and root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.find("launchable").text == DESKTOP.name
    assert root.findtext("icon") == desktop_entry()["Icon"]
    assert {b.text for b in root.iter("binary")} == {"hanzipad"}
    assert {m.text for m in root.iter("mediatype")} == {"image/png", "image/jpeg", "image/bmp"}
    releases = [r.get("version") for r in root.find("releases")]
    assert hanzipad.__version__ in releases, (
        f"add a <release version=\"{hanzipad.__version__}\"> to {METAINFO.name}")
    assert root.findtext("project_license") == "MIT"


@pytest.mark.skipif(shutil.which("appstreamcli") is None, reason="appstreamcli not installed")
def test_metainfo_validates():
    r = subprocess.run(["appstreamcli", "validate", "--no-net", str(METAINFO)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None,
                    reason="desktop-file-validate not installed")
def test_desktop_entry_validates():
    r = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True,
                       timeout=60)
    errors = [line for line in r.stdout.splitlines() if ": hint:" not in line]
    assert r.returncode == 0 and not errors, r.stdout + r.stderr


@pytest.mark.parametrize("size", ICON_SIZES)
def test_png_icons_exist_at_their_size(size):
    path = RES / "icons" / f"hanzipad-{size}.png"
    with Image.open(path) as im:
        assert im.size == (size, size)
        assert im.mode == "RGBA"
        alpha = im.getchannel("A")
        # rounded square: transparent corners, opaque middle
        assert alpha.getpixel((0, 0)) == 0
        assert alpha.getpixel((size // 2, size // 2)) == 255


def test_svg_icon_is_self_contained():
    root = ET.parse(RES / "icons" / "hanzipad.svg").getroot()
    assert root.tag.endswith("svg") and root.get("viewBox") == "0 0 512 512"
    text = (RES / "icons" / "hanzipad.svg").read_text(encoding="utf-8")
    assert "<text" not in text, "the glyph must be an outline, not text needing a font"


def test_spec_leaves_out_tensorflow_and_trainer():
    spec = (PACKAGING / "hanzipad.spec").read_text(encoding="utf-8")
    compile(spec, "hanzipad.spec", "exec")
    for name in ('"tensorflow"', '"keras"', '"trainer"', '"tkinter"'):
        assert name in spec
    entry = (PACKAGING / "hanzipad_main.py").read_text(encoding="utf-8")
    assert "from hanzipad.cli import main" in entry


@pytest.mark.parametrize("script", ["build-linux", "check-deb", "macos/build-macos"])
def test_shell_scripts_parse_and_are_executable(script):
    path = PACKAGING / script
    assert path.stat().st_mode & 0o111, f"{script} is not executable"
    r = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr


def test_build_linux_fails_clearly_without_a_bundle(tmp_path):
    r = subprocess.run([str(PACKAGING / "build-linux"), "--model", str(tmp_path)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert "model.tflite" in r.stderr and str(tmp_path) in r.stderr


PIPEFAIL_SCRIPTS = ["packaging/build-linux", "packaging/check-deb", "packaging/macos/build-macos",
                    "train/make-default-model"]


@pytest.mark.parametrize("script", PIPEFAIL_SCRIPTS)
def test_pipefail_scripts_have_no_early_closing_pipes(script):
    """Under `set -o pipefail`, `cmd | head -1` or `cmd | grep -q x` fails at random whenever
    the reader exits before cmd has written everything (cmd dies of SIGPIPE): CI once lost a
    whole .deb build to `ldd --version | head -1`. Such reads must not come through a pipe."""
    text = (RES / script).read_text(encoding="utf-8")
    if "pipefail" not in text:
        pytest.skip(f"{script} does not use pipefail")

    early = re.compile(r"\|\s*(head\b|grep\s+(-\w*\s+)*-\w*[qm])")
    offending = [f"{script}:{n}: {line.strip()}"
                 for n, line in enumerate(text.splitlines(), 1)
                 if not line.lstrip().startswith("#") and early.search(line)]
    assert not offending, "\n".join(offending)
