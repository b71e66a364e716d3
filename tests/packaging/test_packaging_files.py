"""Cheap checks of the installers and their inputs, on what they make or do rather than on the
words in them: the desktop entry and metainfo parsed, icons opened, the PyInstaller spec run
with stand-ins for PyInstaller's classes, the frozen entry point and the build scripts run
(--help, a refusal), check-deb run on small packages made here, the man page rendered.  The
real build and its checks are resources/packaging/build-linux and check-deb; the few string
checks left guard what only a full build (or another OS) would show."""

from __future__ import annotations

import configparser
import os
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


# --- the PyInstaller spec, run as PyInstaller runs it (with stand-ins for its classes) ----------

def run_spec(tmp_path: Path, monkeypatch, platform: str = "linux",
             model: Path | None = None) -> dict:
    """Execute hanzipad.spec as PyInstaller would on ``platform``, with ``model`` (default: a
    tiny stand-in bundle); what it passed to Analysis, EXE, COLLECT and BUNDLE (name ->
    [(args, kwargs)]) and the analysis as the spec left it ("analysis")."""
    import types

    if model is None:
        model = tmp_path / "model"
        model.mkdir()
        for name in ("model.tflite", "labels.txt", "model.json"):
            (model / name).write_text("x\n")
    monkeypatch.setenv("HANZIPAD_MODEL_DIR", str(model))
    monkeypatch.setattr(sys, "platform", platform)
    calls: dict[str, list] = {}

    class Analysis:
        def __init__(self, *args, **kwargs):
            calls.setdefault("Analysis", []).append((args, kwargs))
            calls["analysis"] = self
            # PyInstaller's table of contents: (name in the app, source, type)
            self.datas = [(f"{dest}/{Path(src).name}", src, "DATA") for src, dest in kwargs["datas"]]
            self.binaries, self.pure, self.scripts = [], [], []

    def recorder(name):
        def record(*args, **kwargs):
            calls.setdefault(name, []).append((args, kwargs))
            return name
        return record

    hooks = types.ModuleType("PyInstaller.utils.hooks")
    hooks.collect_submodules = lambda package: [package]
    bindepend = types.ModuleType("PyInstaller.depend.bindepend")
    bindepend.get_imports = lambda path: []
    for name, module in (("PyInstaller", types.ModuleType("PyInstaller")),
                         ("PyInstaller.utils", types.ModuleType("PyInstaller.utils")),
                         ("PyInstaller.utils.hooks", hooks),
                         ("PyInstaller.depend", types.ModuleType("PyInstaller.depend")),
                         ("PyInstaller.depend.bindepend", bindepend)):
        monkeypatch.setitem(sys.modules, name, module)
    spec = PACKAGING / "hanzipad.spec"
    names = {"SPECPATH": str(PACKAGING), "Analysis": Analysis, "__file__": str(spec),
             **{n: recorder(n) for n in ("PYZ", "EXE", "COLLECT", "BUNDLE")}}
    exec(compile(spec.read_text(encoding="utf-8"), str(spec), "exec"), names)
    return calls


def test_spec_freezes_the_cli_entry_without_tensorflow_or_trainer(tmp_path, monkeypatch):
    calls = run_spec(tmp_path, monkeypatch)
    [(scripts, analysis)] = calls["Analysis"]
    assert scripts == ([str(PACKAGING / "hanzipad_main.py")],)
    excluded = set(analysis["excludes"])
    assert {"tensorflow", "keras", "trainer", "tkinter"} <= excluded
    # never hand a file to Ghostscript (check-deb looks in the frozen app too)
    assert {"PIL.EpsImagePlugin", "PIL.PdfImagePlugin", "PIL.PdfParser"} <= excluded
    assert "hanzipad" in analysis["hiddenimports"]
    shipped = {name for name, _, _ in calls["analysis"].datas}  # what the spec kept of them
    assert {"resources/model/model.tflite", "resources/model/labels.txt",
            "resources/i18n/hanzipad_zh_CN.qm", "resources/fonts/HanziPadSansSC-Regular.otf"} \
        <= shipped
    [(_, collect)] = calls["COLLECT"]
    assert collect["name"] == "hanzipad"
    assert "BUNDLE" not in calls


def test_spec_refuses_a_folder_without_a_model(tmp_path, monkeypatch):
    with pytest.raises(SystemExit, match="missing model.tflite"):
        run_spec(tmp_path, monkeypatch, model=tmp_path)


def test_macos_app_is_only_offered_under_open_with(tmp_path, monkeypatch):
    """The .app's document types rank Alternate: never the default for PNG/JPEG/BMP."""
    calls = run_spec(tmp_path, monkeypatch, platform="darwin")
    [(_, bundle)] = calls["BUNDLE"]
    assert bundle["bundle_identifier"] == APP_ID
    types_ = bundle["info_plist"]["CFBundleDocumentTypes"]
    assert types_ and all(t["LSHandlerRank"] == "Alternate" for t in types_)
    assert calls["EXE"][0][1]["console"] is False  # a windowed app


def test_frozen_entry_point_is_the_cli():
    """hanzipad_main.py (what PyInstaller freezes) runs the ``hanzipad`` command."""
    r = subprocess.run([sys.executable, str(PACKAGING / "hanzipad_main.py"), "--version"],
                       capture_output=True, text=True, timeout=120, cwd=ROOT,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"hanzipad {hanzipad.__version__}"


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


def test_nothing_makes_hanzipad_a_default_application():
    """MimeType lists HanziPad under "Open with"; nothing in the installers' inputs may make it
    the default handler (the .deb's result is checked by check-deb, the .app's by
    test_macos_app_is_only_offered_under_open_with; the Windows installer is built elsewhere)."""
    assert desktop_entry()["MimeType"]  # still offered
    for path in [BUILD_LINUX, PACKAGING / "hanzipad.spec", PACKAGING / "windows" / "hanzipad.iss",
                 PACKAGING / "macos" / "build-macos", DESKTOP, METAINFO]:
        text = _code(path)  # comments may say what is not done
        for needle in ("mimeapps.list", "defaults.list", "xdg-mime default", "xdg-settings set"):
            assert needle not in text, f"{path.name}: {needle}"
    iss = (PACKAGING / "windows" / "hanzipad.iss").read_text(encoding="utf-8")
    assert "OpenWithList" in iss and "DefaultIcon" not in iss
    assert not re.search(r"Subkey: \"Software\\Classes\\\.(png|jpe?g|bmp)\"", iss), \
        "the installer must not take over a file type's own key"


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


# --- the build scripts as run, and check-deb on packages made here ------------------------------

@pytest.mark.parametrize("script, options", [
    ("build-linux", ("--model DIR", "--python PY", "--no-tar", "--no-deb")),
    ("check-deb", ("DEB", "--model DIR", "--python PY", "--no-gui")),
])
def test_build_scripts_say_how_to_use_them(script, options):
    """--help prints the usage (the header lines the script shows) and nothing else; an
    unknown option is refused before anything is built."""
    r = subprocess.run([str(PACKAGING / script), "--help"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0 and not r.stderr, r.stderr
    usage = [line for line in r.stdout.splitlines() if line.startswith("usage:")]
    assert usage == [line for line in r.stdout.splitlines() if "usage:" in line]
    assert usage and usage[0].startswith(f"usage: resources/packaging/{script} ")
    for option in options:
        assert option in r.stdout, f"{script} --help does not explain {option}"
    r = subprocess.run([str(PACKAGING / script), "--no-such-option"], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode != 0 and "--no-such-option" in r.stderr


@pytest.mark.parametrize("script", ["build-linux", "check-deb"])
def test_build_scripts_help_shows_no_code(script):
    r = subprocess.run([str(PACKAGING / script), "--help"], capture_output=True, text=True,
                       timeout=60)
    code = [line for line in r.stdout.splitlines() if line.startswith(("set ", "ROOT=", "#!"))]
    assert not code, code


def test_tidy_elf_is_executable():
    assert TIDY_ELF.stat().st_mode & 0o111, "tidy-elf is not executable"


DEB_VERSION = "9.8.7"


def _fake_deb(tmp_path: Path, good: bool) -> Path:
    """A small .deb laid out like HanziPad's (a shell script for the frozen app), with what
    check-deb must refuse when not ``good``: a postinst, files in /opt, a mimeapps.list, a
    hand-made Depends, a build path in a library's RUNPATH, Pillow's EPS plugin in the app."""
    root = tmp_path / ("good" if good else "bad")
    lib = root / "usr" / "lib" / "hanzipad"
    (lib / "_internal" / "libs").mkdir(parents=True)
    app = lib / "hanzipad"
    app.write_text("#!/bin/sh\n# toc: PIL.PngImagePlugin" + ("" if good else " PIL.EpsImagePlugin")
                   + f'\n[ "$1" = --version ] && echo "hanzipad {DEB_VERSION}"\nexit 0\n')
    app.chmod(0o755)
    (root / "usr" / "bin").mkdir(parents=True)
    (root / "usr" / "bin" / "hanzipad").symlink_to("../lib/hanzipad/hanzipad")
    for name in ("usr/share/man/man1/hanzipad.1.gz", "usr/share/doc/hanzipad/changelog.gz",
                 "usr/share/doc/hanzipad/copyright", "usr/share/lintian/overrides/hanzipad"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x\n")
    if shutil.which("patchelf"):
        so = lib / "_internal" / "libs" / "libdemo.so.1"
        shutil.copy2(_a_system_library(), so)
        so.chmod(0o644)
        rpath = "$ORIGIN/../libs" if good else "/home/builder/lib"
        subprocess.run(["patchelf", "--set-rpath", rpath, str(so)], check=True)
    control = root / "DEBIAN"
    control.mkdir()
    depends = ("libc6 (>= 2.34), libfontconfig1 (>= 2.12.6), libxcb1 (>= 1.8)" if good
               else "python3, libqt6widgets6")
    (control / "control").write_text(
        f"Package: hanzipad\nVersion: {DEB_VERSION}\nArchitecture: amd64\n"
        f"Maintainer: Test <test@example.org>\nDepends: {depends}\nDescription: test\n")
    if not good:
        (control / "postinst").write_text("#!/bin/sh\nxdg-mime default hanzipad.desktop image/png\n")
        (control / "postinst").chmod(0o755)
        (root / "opt" / "hanzipad").mkdir(parents=True)
        (root / "opt" / "hanzipad" / "README").write_text("x\n")
        (root / "usr" / "share" / "applications").mkdir(parents=True)
        (root / "usr" / "share" / "applications" / "mimeapps.list").write_text(
            "[Default Applications]\nimage/png=hanzipad.desktop\n")
    deb = tmp_path / f"{root.name}.deb"
    subprocess.run(["dpkg-deb", "--root-owner-group", "-Zgzip", "--build", str(root), str(deb)],
                   check=True, capture_output=True, timeout=120)
    return deb


def _check_deb(deb: Path) -> tuple[list[str], list[str]]:
    """check-deb --no-gui on ``deb``: its "ok" and its "FAIL" lines."""
    r = subprocess.run([str(CHECK_DEB), "--no-gui", str(deb)], capture_output=True, text=True,
                       timeout=300)
    lines = (r.stdout + r.stderr).splitlines()
    oks = [line.split("ok", 1)[1].strip() for line in lines if line.startswith("check-deb: ok ")]
    fails = [line.split("FAIL", 1)[1].strip() for line in lines
             if line.startswith("check-deb: FAIL ")]
    assert r.returncode != 0 or not fails
    return oks, fails


needs_dpkg = pytest.mark.skipif(any(shutil.which(t) is None for t in ("dpkg", "dpkg-deb", "readelf")),
                                reason="dpkg or binutils not installed")


@needs_dpkg
def test_check_deb_refuses_what_the_deb_must_not_have(tmp_path):
    oks, fails = _check_deb(_fake_deb(tmp_path, good=False))

    def failed(text: str) -> bool:
        return any(text in line for line in fails)

    assert failed("the package still installs into /opt")
    assert failed("maintainer scripts in the package: postinst")
    assert failed("the package registers default applications")
    assert failed("Depends lacks libc6 (>= ...)")
    assert failed("the frozen app contains Pillow's EpsImagePlugin")
    if shutil.which("patchelf"):
        assert failed("build paths in RPATH/RUNPATH") and failed("/home/builder/lib")


@needs_dpkg
def test_check_deb_passes_those_checks_on_a_tidy_package(tmp_path):
    oks, fails = _check_deb(_fake_deb(tmp_path, good=True))
    for text in ("no maintainer scripts", "no default-application registration",
                 "Depends (dpkg-shlibdeps)", "no EpsImagePlugin", f"--version: hanzipad {DEB_VERSION}",
                 "/usr/bin/hanzipad -> ../lib/hanzipad/hanzipad",
                 "has /usr/share/man/man1/hanzipad.1.gz", "has /usr/share/doc/hanzipad/changelog.gz",
                 "has /usr/share/lintian/overrides/hanzipad"):
        assert any(text in line for line in oks), f"no 'ok {text}' in {oks}"
    if shutil.which("patchelf"):
        assert any("RPATH/RUNPATH: only" in line for line in oks)
    assert not [f for f in fails if "/opt" in f or "RPATH" in f or "default applications" in f]


# --- the man page and the lintian overrides the .deb ships ---------------------------------------

def _cli_options() -> set[str]:
    from hanzipad import cli

    options = set()
    for parser in (cli.pad_parser(), cli.classify_parser()):
        for action in parser._actions:  # (argparse keeps no public list of them)
            options.update(action.option_strings)
    return options


def test_man_page_renders_cleanly_and_documents_real_options():
    page = PACKAGING / "hanzipad.1"
    text = page.read_text(encoding="utf-8")
    assert text.startswith(".TH HANZIPAD 1 ")
    if shutil.which("groff"):
        r = subprocess.run(["groff", "-man", "-ww", "-z", str(page)], capture_output=True,
                           text=True, timeout=60)
        assert r.returncode == 0 and not r.stderr.strip(), r.stderr
    documented = {m.replace("\\-", "-") for m in re.findall(r"(?<![\w\\])\\-(?:\\-)?[a-z](?:[a-z]|\\-)*", text)}
    documented = {o for o in documented if o.startswith("-")}
    assert {"--model", "--self-test", "--version", "--top", "--json"} <= documented
    unknown = documented - _cli_options()
    assert not unknown, f"the man page documents options hanzipad does not have: {unknown}"
    assert "/usr/lib/hanzipad" in text  # where the .deb installs the app


def test_lintian_overrides_are_well_formed_and_explained():
    overrides = (PACKAGING / "lintian-overrides").read_text(encoding="utf-8").splitlines()
    rules = [(n, line) for n, line in enumerate(overrides) if line and not line.startswith("#")]
    assert rules
    for n, line in rules:
        assert re.fullmatch(r"hanzipad: [a-z0-9-]+( \S+)?( \[[^\]]+\])?", line), line
        assert overrides[n - 1].startswith(("#", "hanzipad: ")), f"no reason given for {line}"
