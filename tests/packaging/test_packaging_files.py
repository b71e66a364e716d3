"""Cheap checks of the installer's inputs: desktop entry, AppStream metainfo, icons, spec and
scripts (the real build and its checks are resources/packaging/build-linux and check-deb)."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
import sys
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
                    "train/make-default-model", "train/make-device-kit", "train/device-train"]


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


# --- issue 11 part 5: what the .deb is built from ------------------------------------------------

BUILD_LINUX = PACKAGING / "build-linux"
CHECK_DEB = PACKAGING / "check-deb"
TIDY_ELF = PACKAGING / "tidy-elf"


def _code(path: Path) -> str:
    """The script without its comment lines (what it does, not what it says)."""
    return "\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                     if not line.lstrip().startswith("#"))


def _tidy_elf_module():
    import importlib.machinery
    import importlib.util

    loader = importlib.machinery.SourceFileLoader("tidy_elf", str(TIDY_ELF))
    spec = importlib.util.spec_from_loader("tidy_elf", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_build_linux_tidies_the_frozen_libraries_with_patchelf():
    """lintian found the build machine's Python (/root/.pyenv/...) in the RPATH/RUNPATH of 49
    libraries: build-linux runs tidy-elf on the frozen folder, and patchelf is a build tool."""
    code = _code(BUILD_LINUX)
    assert '"$PKG/tidy-elf" "$FROZEN"' in code
    assert re.search(r'BUILD_PKGS="[^"]*\bpatchelf\b', code)
    assert TIDY_ELF.stat().st_mode & 0o111, "tidy-elf is not executable"
    tidy = _code(TIDY_ELF)
    assert '"--remove-rpath"' in tidy and '"--set-rpath"' in tidy
    assert "$ORIGIN" in tidy


def test_tidy_elf_loadable_rejects_misaligned_load_segments(tmp_path):
    tidy = _tidy_elf_module()
    lib = Path(sys.executable).resolve()
    assert tidy.loadable(lib)
    data = bytearray(lib.read_bytes())
    phoff = int.from_bytes(data[0x20:0x28], "little")
    phentsize = int.from_bytes(data[0x36:0x38], "little")
    phnum = int.from_bytes(data[0x38:0x3A], "little")
    for i in range(phnum):
        at = phoff + i * phentsize
        if int.from_bytes(data[at:at + 4], "little") == 1:  # PT_LOAD: shift its offset
            off = int.from_bytes(data[at + 8:at + 16], "little")
            data[at + 8:at + 16] = (off + 0x800).to_bytes(8, "little")
            break
    bad = tmp_path / "bad.so"
    bad.write_bytes(bytes(data))
    assert not tidy.loadable(bad)


def _a_system_library() -> Path:
    for name in ("libz.so.1", "libm.so.6"):
        for d in ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64",
                  "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu"):
            if (Path(d) / name).is_file():
                return (Path(d) / name).resolve()
    pytest.skip("no libz.so.1 / libm.so.6 to copy")


@pytest.mark.skipif(any(shutil.which(t) is None for t in ("patchelf", "readelf", "strip")),
                    reason="patchelf or binutils not installed (only the packaging checks use them)")
def test_tidy_elf_removes_build_paths_and_keeps_bundled_libraries_found(tmp_path):
    src = _a_system_library()
    root = tmp_path / "frozen"
    (root / "_internal" / "a").mkdir(parents=True)
    (root / "_internal" / "libs").mkdir()
    only_build_path = root / "_internal" / "a" / "_mod.cpython-311-x86_64-linux-gnu.so"
    mixed = root / "_internal" / "a" / "libmixed.so.1"
    needs_bundled = root / "_internal" / "a" / "libneeds.so.1"
    for p in (only_build_path, mixed, needs_bundled, root / "_internal" / "libs" / "libbundled.so.7"):
        shutil.copy2(src, p)
        p.chmod(0o755)
    subprocess.run(["patchelf", "--set-rpath", "/build-host/python/lib",
                    str(only_build_path)], check=True)
    subprocess.run(["patchelf", "--set-rpath", "$ORIGIN/../libs:/home/builder/lib", str(mixed)],
                   check=True)
    subprocess.run(["patchelf", "--add-needed", "libbundled.so.7", "--set-rpath",
                    "/home/builder/build/libs", str(needs_bundled)], check=True)

    r = subprocess.run([sys.executable, str(TIDY_ELF), str(root)], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr

    def search_path(p: Path) -> str:
        return subprocess.run(["patchelf", "--print-rpath", str(p)], capture_output=True,
                              text=True, check=True).stdout.strip()

    assert search_path(only_build_path) == ""
    assert search_path(mixed) == "$ORIGIN/../libs"
    assert search_path(needs_bundled) == "$ORIGIN/../libs"
    for p in (only_build_path, mixed, needs_bundled):
        assert not p.stat().st_mode & 0o111, f"{p.name} is still executable"
    assert "/build-host/python/lib" in r.stdout


def test_deb_depends_come_from_dpkg_shlibdeps():
    """No hand-made Depends list (nor ldconfig/dpkg-query look-ups): dpkg-shlibdeps."""
    code = _code(BUILD_LINUX)
    assert "dpkg-shlibdeps" in code and "Depends: $DEPENDS" in code
    assert "ldconfig -p" not in code and "dpkg-query -S" not in code
    assert "getconf GNU_LIBC_VERSION" not in code  # libc6 (>= ...) comes from symbols files


def test_deb_has_no_maintainer_scripts_caches_come_from_triggers():
    """desktop-file-utils and hicolor-icon-theme refresh their caches through dpkg triggers."""
    code = _code(BUILD_LINUX)
    for script in ("postinst", "postrm", "preinst", "prerm"):
        assert f"DEBIAN/{script}" not in code
    deb_part = code[code.index("if [ $DO_DEB = 1 ]; then\n  DEB="):]  # not the tarball's
    assert "gtk-update-icon-cache" not in deb_part
    assert "update-desktop-database" not in deb_part


def test_nothing_makes_hanzipad_a_default_application():
    """MimeType lists HanziPad under "Open with"; nothing may make it the default handler."""
    assert desktop_entry()["MimeType"]  # still offered
    for path in [BUILD_LINUX, PACKAGING / "hanzipad.spec", PACKAGING / "windows" / "hanzipad.iss",
                 PACKAGING / "macos" / "build-macos", DESKTOP, METAINFO]:
        text = _code(path)  # comments may say what is not done
        for needle in ("mimeapps.list", "defaults.list", "xdg-mime default", "xdg-settings set"):
            assert needle not in text, f"{path.name}: {needle}"
    spec = (PACKAGING / "hanzipad.spec").read_text(encoding="utf-8")
    assert '"LSHandlerRank": "Alternate"' in spec, "macOS: the document types must be Alternate"
    iss = (PACKAGING / "windows" / "hanzipad.iss").read_text(encoding="utf-8")
    assert "OpenWithList" in iss and "DefaultIcon" not in iss
    assert not re.search(r"Subkey: \"Software\\Classes\\\.(png|jpe?g|bmp)\"", iss), \
        "the installer must not take over a file type's own key"
    check = _code(CHECK_DEB)
    assert "mimeapps.list" in check and "defaults.list" in check  # check-deb looks for them


def test_deb_installs_under_usr_lib_not_opt():
    """lintian dir-or-file-in-opt: Debian packages keep private program files in /usr/lib."""
    code = _code(BUILD_LINUX)
    assert "LIB=usr/lib/hanzipad" in code
    assert '"$DEB/opt' not in code and "/opt/hanzipad" not in code
    assert "/opt/hanzipad" not in _code(CHECK_DEB)


def test_deb_ships_man_page_changelog_and_lintian_overrides():
    code = _code(BUILD_LINUX)
    assert '"$PKG/hanzipad.1"' in code and "usr/share/man/man1/hanzipad.1.gz" in code
    assert '"$DOC/changelog.gz"' in code
    assert '"$PKG/lintian-overrides"' in code
    page = (PACKAGING / "hanzipad.1").read_text(encoding="utf-8")
    assert page.startswith(".TH HANZIPAD 1 ")
    for option in ("model", "self\\-test", "version", "top", "json"):
        assert f"\\-\\-{option}" in page, f"man page lacks --{option}"
    assert "/usr/lib/hanzipad" in page
    overrides = (PACKAGING / "lintian-overrides").read_text(encoding="utf-8").splitlines()
    rules = [(n, line) for n, line in enumerate(overrides) if line and not line.startswith("#")]
    assert rules
    for n, line in rules:
        assert re.fullmatch(r"hanzipad: [a-z0-9-]+( \S+)?( \[[^\]]+\])?", line), line
        assert overrides[n - 1].startswith(("#", "hanzipad: ")), f"no reason given for {line}"


def test_build_venv_installs_dependencies_not_the_checkout():
    """`pip install .[package]` built a wheel of the checkout (setuptools' "Package would be
    ignored" warnings in the build log) and left a stale hanzipad copy in the build venv."""
    code = _code(BUILD_LINUX)
    assert '"$ROOT[package]"' not in code
    assert 'project["dependencies"]' in code and '["package"]' in code
    assert "-r \"$VENV/requirements.txt\"" in code


def test_check_deb_starts_xvfb_without_reset_and_waits_until_it_answers():
    code = _code(CHECK_DEB)
    xvfb = [line for line in code.splitlines() if re.match(r"\s*Xvfb ", line)]
    assert xvfb and all("-noreset" in line for line in xvfb)
    assert "xdpyinfo" in code or "xset q" in code
    # bounded polls, never a bare fixed sleep of a second or more
    assert not re.search(r"sleep\s+[1-9]", code)
    assert re.search(r"for _ in \$\(seq \d+\)", code)


def test_check_deb_checks_no_eps_plugin_and_no_build_paths():
    code = _code(CHECK_DEB)
    assert "EpsImagePlugin" in code and "PngImagePlugin" in code
    assert "RPATH" in code and "$ORIGIN" in code
    spec = (PACKAGING / "hanzipad.spec").read_text(encoding="utf-8")
    for name in ('"PIL.EpsImagePlugin"', '"PIL.PdfImagePlugin"', '"PIL.PdfParser"'):
        assert name in spec
