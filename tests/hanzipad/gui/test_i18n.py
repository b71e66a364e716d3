"""The Chinese UI (issue 10): Qt Linguist translations (resources/i18n/*.ts -> *.qm) cover
every string the code passes to tr(), the committed .qm is compiled from the committed .ts,
and widgets, dialogs and error messages really come out in Chinese."""

from __future__ import annotations

import ast
import errno
import importlib.util
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from importlib.machinery import SourceFileLoader
from pathlib import Path

import pytest

from hanzipad.gui import i18n

ROOT = Path(__file__).resolve().parents[3]
I18N = ROOT / "resources" / "i18n"
TS = I18N / "hanzipad_zh_CN.ts"
QM = I18N / "hanzipad_zh_CN.qm"
#: a translation needs at least one Chinese character or full-width punctuation mark
CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def _script():
    """resources/i18n/update-translations as a module."""
    path = I18N / "update-translations"
    loader = SourceFileLoader("update_translations", str(path))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def _ts_messages(path: Path) -> dict[str, tuple[str, bool]]:
    """source -> (translation, finished) of the messages in context "" of a .ts file."""
    out = {}
    for context in ET.parse(path).getroot().iter("context"):
        assert (context.findtext("name") or "") == i18n.CONTEXT, "only tr()'s context is used"
        for message in context.iter("message"):
            translation = message.find("translation")
            kind = translation.get("type")
            if kind in ("vanished", "obsolete"):
                continue
            text = translation.text or ""
            out[message.findtext("source")] = (text, kind != "unfinished" and bool(text.strip()))
    return out


def _source_strings() -> tuple[dict[str, str], list[str]]:
    """The literals hanzipad/ passes to tr() or marks with QT_TR_NOOP() (-> "file:line"),
    and the calls lupdate cannot extract or translate (f-strings, self.tr)."""
    found, bad = {}, []
    for path in sorted((ROOT / "hanzipad").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "tr" \
                    and isinstance(func.value, ast.Name) and func.value.id == "self":
                bad.append(f"{where}: self.tr() (a class context hanzipad's translator lacks)"
                           "; use hanzipad.gui.i18n.tr")
                continue
            if not (isinstance(func, ast.Name) and func.id in ("tr", "QT_TR_NOOP")):
                continue
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.setdefault(arg.value, where)
            elif isinstance(arg, ast.JoinedStr):
                bad.append(f"{where}: tr(f\"…\") cannot be translated; "
                           "use tr(\"… {}\").format(…)")
    return found, bad


def _fields(text: str) -> list[str]:
    """Python format fields and Qt %N markers: a translation must keep the same ones."""
    return sorted(re.findall(r"\{[^{}]*\}|%\d", text))


def _accelerator(text: str) -> str | None:
    m = re.search(r"&([^&\s])", text.replace("&&", ""))
    return m.group(1).upper() if m else None


def test_every_string_of_the_code_has_a_finished_chinese_translation():
    strings, bad = _source_strings()
    assert not bad
    assert len(strings) > 100 and "&File" in strings and "stroke {stroke} point {point}" in strings
    messages = _ts_messages(TS)
    missing = [f"{where}: {text!r}" for text, where in strings.items()
               if not messages.get(text, ("", False))[1]]
    assert not missing, ("run resources/i18n/update-translations and translate these in "
                         "resources/i18n/hanzipad_zh_CN.ts:\n" + "\n".join(missing))
    problems = []
    for text in strings:
        zh = messages[text][0]
        if not CHINESE.search(zh):
            problems.append(f"{text!r} -> {zh!r}: no Chinese")
        if _fields(zh) != _fields(text):
            problems.append(f"{text!r} -> {zh!r}: placeholders differ")
        if _accelerator(zh) != _accelerator(text):
            problems.append(f"{text!r} -> {zh!r}: keyboard accelerator (&X) differs")
    assert not problems, "\n".join(problems)


def test_lupdate_extracts_the_strings_the_code_passes_to_tr(tmp_path):
    """The scan above sees what pyside6-lupdate (which builds the .ts) sees."""
    script = _script()
    if script.find_tool("lupdate") is None:
        pytest.skip("pyside6-lupdate not installed")
    ts = tmp_path / "extracted.ts"
    script.update("zh_CN", ts)
    assert set(_ts_messages(ts)) == set(_source_strings()[0])


def test_committed_qm_is_compiled_from_committed_ts(tmp_path):
    from PySide6.QtCore import QTranslator

    finished = {s: t for s, (t, done) in _ts_messages(TS).items() if done}
    committed = QTranslator()
    assert committed.load(str(QM))
    stale = [s for s, t in finished.items() if committed.translate(i18n.CONTEXT, s) != t]
    assert not stale, "run resources/i18n/update-translations; out of date in the .qm: " \
        + ", ".join(map(repr, stale))
    script = _script()
    if script.find_tool("lrelease") is None:
        pytest.skip("pyside6-lrelease not installed")
    rebuilt = QTranslator()
    assert rebuilt.load(str(script.release("zh_CN", tmp_path)))
    probes = list(_ts_messages(TS)) + ["not a source string", "Open", "&File"]
    assert [rebuilt.translate("", s) for s in probes] == \
        [committed.translate("", s) for s in probes]
    # nothing in the committed .qm beyond what the .ts makes (a string removed from the .ts)
    assert QM.stat().st_size == (tmp_path / QM.name).stat().st_size


def test_tr_works_before_a_qapplication_exists():
    """The CLI and tests call tr() with no QApplication: the translator is asked directly."""
    code = (
        "from PySide6.QtCore import QCoreApplication\n"
        "from hanzipad.gui import i18n\n"
        "i18n.set_language(i18n.system_language())\n"
        "assert QCoreApplication.instance() is None\n"
        "print(i18n.language(), i18n.tr('&File'), i18n.tr('{} more files ignored').format(2))\n"
        "from hanzipad import ink\n"
        "try:\n"
        "    ink.loads('{\"strokes\": [[], [], [], 3]}', 'a.json')\n"
        "except ink.InkError as exc:\n"
        "    print(i18n.explain(exc))\n"
        "assert QCoreApplication.instance() is None\n"
    )
    env = dict(os.environ, HANZIPAD_LANG="zh_CN")
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, encoding="utf-8", timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["zh 文件(&F) 另外 2 个文件未打开", "a.json: 第 3 笔：应为点的列表"]


def test_english_ui_and_a_missing_qm_give_the_english_text(tmp_path, monkeypatch):
    assert i18n.language() == "en"
    assert i18n.tr("&File") == "&File"
    assert i18n.explain("a.json: no 'strokes' key") == "a.json: no 'strokes' key"
    i18n.set_language("zh_TW")
    assert i18n.language() == "zh" and i18n.tr("&File") == "文件(&F)"
    monkeypatch.setenv("HANZIPAD_RESOURCES", str(tmp_path))  # no i18n/*.qm there
    monkeypatch.setattr(i18n, "_translators", {})
    assert i18n.tr("&File") == "&File"  # English rather than nothing
    assert i18n.explain("a.json: no 'strokes' key") == "a.json: no 'strokes' key"
    monkeypatch.setenv("HANZIPAD_LANG", "de_DE")
    assert i18n.system_language() == "en"
    monkeypatch.setenv("HANZIPAD_LANG", "zh_CN.UTF-8")
    assert i18n.system_language() == "zh"


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.radial_gradient("L").save(out, "PNG")
    return out.getvalue()


def _usual_errors(tmp_path: Path) -> list[tuple[str, str]]:
    """(message, expected Chinese) from hanzipad's core modules for files that go wrong."""
    from hanzipad import bundle, ink, normalize

    def error(call, *args) -> str:
        with pytest.raises((ink.InkError, normalize.ImageError, bundle.BundleError)) as info:
            call(*args)
        return str(info.value)

    d = tmp_path
    (d / "folder.json").mkdir()
    (d / "latin1.json").write_bytes(b'{"strokes": []} \xe9')
    (d / "broken.json").write_text('{"strokes": [')
    (d / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (d / "nokey.json").write_text('{"width": 10}')
    (d / "notlist.json").write_text('{"strokes": 3}')
    (d / "point.json").write_text('{"strokes": [[[1, 2], [3]]]}')
    (d / "far.json").write_text('{"strokes": [[[1, 2], [1e12, 3]]]}')
    (d / "text.png").write_text("not an image")
    (d / "cut.png").write_bytes(_png()[:-30])
    (d / "folder.png").mkdir()
    incomplete = d / "incomplete"
    incomplete.mkdir()
    (incomplete / "model.tflite").write_bytes(b"x")
    badmeta = d / "badmeta"
    badmeta.mkdir()
    for name in ("model.tflite", "labels.txt"):
        (badmeta / name).write_text("x\n")
    (badmeta / "model.json").write_text(json.dumps([1]))
    def p(*parts: str) -> str:
        return str(d.joinpath(*parts))

    return [
        (error(ink.load, d / "missing.json"), f"{p('missing.json')}：文件不存在"),
        (error(ink.load, d / "folder.json"), f"{p('folder.json')}：是文件夹，不是文件；未读取"),
        (error(ink.load, d / "latin1.json"),
         f"{p('latin1.json')}：不是 UTF-8 文本（偏移 16 处的字节 0xe9）"),
        (error(ink.load, d / "broken.json"),
         f"{p('broken.json')}：不是有效的 JSON（第 1 行第 14 列：Expecting value）"),
        (error(ink.load, d / "deep.json"), f"{p('deep.json')}：JSON 嵌套太深"),
        (error(ink.load, d / "nokey.json"), f"{p('nokey.json')}：缺少 'strokes' 键"),
        (error(ink.load, d / "notlist.json"), f"{p('notlist.json')}：'strokes' 必须是列表"),
        (error(ink.load, d / "point.json"),
         f"{p('point.json')}: 第 0 笔第 1 点：点应为 [x, y]、[x, y, t] 或 [x, y, t, 压力]"),
        (error(ink.load, d / "far.json"),
         f"{p('far.json')}: 第 0 笔第 1 点：1e+12 超出允许范围（±1e+09）"),
        (error(normalize.load_image, d / "missing.png"), f"{p('missing.png')}：文件不存在"),
        (error(normalize.load_image, d / "folder.png"), f"{p('folder.png')}：是文件夹，不是图片"),
        (error(normalize.load_image, d / "text.png"), None),
        (error(normalize.load_image, d / "cut.png"), None),
        (error(bundle.load_bundle, d / "nothing"), f"找不到模型包：{p('nothing')}"),
        (error(bundle.load_bundle, d / "text.png"), None),
        (error(bundle.load_bundle, incomplete),
         f"{p('incomplete')}：模型包不完整，缺少 labels.txt, model.json"),
        (error(bundle.load_bundle, badmeta), f"{p('badmeta', 'model.json')}：应为 JSON 对象"),
    ]


def test_explain_gives_chinese_for_the_usual_errors(tmp_path):
    cases = _usual_errors(tmp_path)
    assert [i18n.explain(message) for message, _ in cases] == [m for m, _ in cases]  # English
    i18n.set_language("zh")
    for message, expected in cases:
        zh = i18n.explain(message)
        if expected is not None:
            assert zh == expected, message
        # Chinese but for the file name and the technical detail in brackets
        rest = re.sub(re.escape(str(tmp_path)) + r"/[^\s：:]*", "", zh)
        rest = re.sub(r"（[^（）]*）|[\w.-]+\.(?:json|txt|tflite)\b", "", rest)
        assert CHINESE.search(rest), message
        assert re.findall(r"\b(?!JSON\b|UTF\b|HanziPad\b|PNG\b|strokes\b)[A-Za-z]{3,}", rest) \
            == [], f"{message} -> {zh}"
    assert i18n.os_error(OSError(errno.ENOSPC, "No space left on device")) == "磁盘已满"
    assert i18n.os_error(OSError(errno.EACCES, "Permission denied")) == "没有权限"
    from hanzipad.ink import _os_error

    error = _os_error(OSError(errno.EIO, os.strerror(errno.EIO)), f"{tmp_path}/a.json")
    assert str(error) == f"{tmp_path}/a.json: cannot read the file " \
        f"({os.strerror(errno.EIO).lower()})"
    assert i18n.explain(error) == f"{tmp_path}/a.json：无法读取文件（输入/输出错误）"


def test_chinese_menus_and_file_error_box(make_window, qtbot, tmp_path, qapp):
    """A real window in Chinese: menu titles and actions, the model problem and a corrupt
    file's message box, with Qt's own button text translated too."""
    i18n.set_language("zh")
    i18n.install_qt_translations(qapp)
    try:
        window = make_window(tmp_path / "no-model", wait_model=False)
        qtbot.waitUntil(lambda: window.recognition.load_error is not None, timeout=5000)
        assert window.message_box().windowTitle() == "模型有问题"
        assert window.windowTitle() == "汉字手写板"
        menus = [a.menu() for a in window.menuBar().actions()]
        titles = [m.title() for m in menus]
        assert titles[:3] == ["文件(&F)", "编辑(&E)", "视图(&V)"] and "帮助(&H)" in titles
        english = []
        for menu in menus:
            for action in menu.actions():
                text = action.text().replace("&", "")
                if action.isSeparator() or not text:
                    continue
                if not CHINESE.search(text) or re.search(r"(?!HanziPad)[A-Za-z]{3,}", text):
                    english.append(text)
        assert not english, english

        corrupt = tmp_path / "photo.png"
        corrupt.write_bytes(_png()[:-30])  # cut short
        assert not window.open_file(corrupt)
        box = window.message_box()
        assert box.windowTitle() == "无法打开文件"
        assert box.text().startswith(f"{corrupt}：图片已损坏或不完整（")
        assert [b.text().replace("&", "") for b in box.buttons()] == ["确定"]
        broken = tmp_path / "ink.json"
        broken.write_text('{"strokes": [[[1, 2]]')
        assert not window.open_file(broken)
        assert window.message_box().text().startswith(f"{broken}：不是有效的 JSON（第 1 行")
        assert window.statusBar().currentMessage() == window.message_box().text()
    finally:
        i18n.set_language("en")
        i18n.install_qt_translations(qapp)


def test_qt_file_dialog_is_all_chinese(qtbot, qapp, tmp_path):
    """Issue 34: "Look in:", "Files of type:" and the "Folder" type stayed English (this Qt
    asks for strings its zh_CN catalogue lacks); resources/i18n/qt_extra_zh_CN fills them."""
    from PySide6.QtWidgets import QFileDialog, QLabel

    i18n.set_language("zh")
    i18n.install_qt_translations(qapp)
    try:
        (tmp_path / "folder").mkdir()
        dialog = QFileDialog(None, "x", str(tmp_path))
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
        qtbot.addWidget(dialog)
        dialog.show()
        labels = [w.text().replace("&", "") for w in dialog.findChildren(QLabel) if w.text()]
        assert "查找范围(L)：" in labels and "文件类型(T)：" in labels, labels
        assert not [t for t in labels if re.search(r"[A-Za-z]{3,}", t)], labels
        from PySide6.QtCore import QCoreApplication

        assert QCoreApplication.translate("QAbstractFileIconProvider", "Folder",
                                          "All other platforms") == "文件夹"
        qm = ROOT / "resources" / "i18n" / "qt_extra_zh_CN.qm"
        script = _script()
        if script.find_tool("lrelease") is not None:  # the committed .qm is its .ts compiled
            script.release("zh_CN", tmp_path)
            assert (tmp_path / qm.name).read_bytes() == qm.read_bytes()
    finally:
        i18n.set_language("en")
        i18n.install_qt_translations(qapp)


def test_packages_ship_the_compiled_translations(tmp_path, monkeypatch):
    """The wheel (package data of hanzipad_resources.i18n) and the PyInstaller build
    (resources/i18n beside the model) carry the .qm; the app finds it there."""
    from fnmatch import fnmatch

    from tests.packaging.test_packaging_files import run_spec

    tomllib = pytest.importorskip("tomllib")
    setup = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert "hanzipad_resources.i18n" in setup["packages"]
    assert any(fnmatch(QM.name, p) for p in setup["package-data"]["hanzipad_resources.i18n"])
    frozen = {name for name, _, _ in run_spec(tmp_path, monkeypatch)["analysis"].datas}
    assert f"resources/i18n/{QM.name}" in frozen
    assert i18n.qm_path("zh") == QM


def test_update_keeps_only_the_notes_for_translators(tmp_path):
    """lupdate reads every ``#:`` comment (hanzipad's attribute docs too) as a note."""
    ts = tmp_path / "x.ts"
    ts.write_text("<message>\n        <source>a</source>\n"
                  "        <extracomment>Longest side of an image.</extracomment>\n"
                  "</message>\n<message>\n        <source>%1: %2</source>\n"
                  "        <extracomment>Docs. Translators: a place and its problem</extracomment>\n"
                  "</message>\n", encoding="utf-8")
    _script().keep_translator_comments(ts)
    assert ts.read_text(encoding="utf-8") == (
        "<message>\n        <source>a</source>\n</message>\n<message>\n"
        "        <source>%1: %2</source>\n"
        "        <extracomment>a place and its problem</extracomment>\n</message>\n")


def test_every_error_code_has_an_english_and_a_chinese_template():
    """The core's errors are translated by code: each code of hanzipad.errors has a template
    in i18n.CODES with the same fields, and a finished Chinese translation with them too (so
    rewording the English cannot drop a translation unnoticed, nor a new code go untranslated)."""
    import string

    from hanzipad import errors

    def fields(template: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}

    assert set(i18n.CODES) | {"os.error"} == set(errors.TEMPLATES)
    messages = _ts_messages(TS)
    problems = []
    for code, english in errors.TEMPLATES.items():
        if code == "os.error":
            continue
        source = i18n.CODES[code]
        if fields(source) != fields(english):
            problems.append(f"{code}: i18n.CODES has fields {sorted(fields(source))}, "
                            f"hanzipad.errors {sorted(fields(english))}")
        zh, finished = messages.get(source, ("", False))
        if not finished or not CHINESE.search(zh):
            problems.append(f"{code}: no Chinese for {source!r}")
        elif fields(zh) != fields(source):
            problems.append(f"{code}: {zh!r} has other fields than {source!r}")
    assert not problems, "\n".join(problems)


def test_explain_translates_by_code_not_by_the_english_text(monkeypatch):
    """Rewording an English template changes the CLI's text, not the Chinese; the error's text
    alone (a worker thread sends text) finds its code too; a code with no translation, or text
    no template makes, stays English."""
    from hanzipad import errors, ink

    monkeypatch.setitem(errors.TEMPLATES, "ink.no_strokes_key", "the 'strokes' key is missing")
    error = ink.InkError.coded("ink.no_strokes_key", "a.json")
    assert str(error) == "a.json: the 'strokes' key is missing"
    i18n.set_language("zh")
    try:
        assert i18n.explain(error) == i18n.explain(str(error)) == "a.json：缺少 'strokes' 键"
        nested = ink.InkError.coded("ink.not_a_number",
                                    errors.Message("place.stroke_point", stroke=2, point=5),
                                    value="'x'").within("b.json")
        assert i18n.explain(nested) == "b.json: 第 2 笔第 5 点：应为数字，实际是 'x'"
        # text only (a module that puts an error's text into its own): read back by template
        assert i18n.explain("c.json: the 'strokes' key is missing") == "c.json：缺少 'strokes' 键"
        assert i18n.explain("c.json: something new") == "c.json: something new"
        monkeypatch.delitem(i18n.CODES, "ink.no_strokes_key")
        assert i18n.explain(error) == "a.json: the 'strokes' key is missing"
    finally:
        i18n.set_language("en")
    assert i18n.explain(nested) == str(nested)


def test_errors_keep_their_english_text_and_class():
    """Made from a code or from plain text (code None), an error reads as before."""
    from hanzipad import errors
    from hanzipad.bundle import BundleError
    from hanzipad.fileio import ContentError

    plain = BundleError("x/model.json: damaged")
    assert str(plain) == "x/model.json: damaged" and plain.code is None
    assert str(plain.within("y")) == "y: x/model.json: damaged"
    content = ContentError.coded("file.too_many_bytes", "m.json", size=5000, limit=4096)
    assert str(content) == "m.json: 5,000 bytes, more than the 4,096 allowed"
    assert isinstance(content, ValueError)
    moved = BundleError.of(content, errors.Message("bundle.reading_labels"))
    assert isinstance(moved, RuntimeError) and moved.code == "file.too_many_bytes"
    assert str(moved) == "cannot read labels: m.json: 5,000 bytes, more than the 4,096 allowed"
    with pytest.raises(KeyError):
        errors.Message("no.such.code")


def test_settings_problems_are_said_in_the_ui_language():
    """A setting moved aside is reported in English in the log and in the UI language in the
    window (hanzipad.gui.settings.take_problems)."""
    from pathlib import Path as P

    from hanzipad.gui import settings

    ini = P(settings.settings_file())
    ini.parent.mkdir(parents=True, exist_ok=True)
    ini.write_text("[pen]\nwidth=wide\n", encoding="utf-8")
    assert settings.pen_width() == settings.DEFAULT_PEN_WIDTH
    [english] = settings.take_problems()
    assert english.startswith(f"settings file {ini}: pen/width cannot be read (not a pen width: "
                              "'wide'); removed, the file as it was is kept as ")
    ini.write_text("[view]\ncompact=maybe\n", encoding="utf-8")
    i18n.set_language("zh")
    try:
        assert settings.compact() is False
        [chinese] = settings.take_problems()
    finally:
        i18n.set_language("en")
    assert chinese.startswith(f"设置文件 {ini}：无法读取 view/compact（不是真或假：'maybe'）；已删除，"
                              "原文件保存为 ")


def test_profile_word_list_and_lexicon_problems_are_said_in_chinese(tmp_path):
    """The writer's profile, word list and the lexicon tables say their problems by code: the
    English text is as before, the Chinese reads them with their places ("line 3")."""
    from hanzipad import adapt, lexicon, readings, userwords

    profile = tmp_path / "me.json"
    profile.write_text('{"format": "hanzipad-profile", "version": 9}', encoding="utf-8")
    words = tmp_path / "me.words.json"
    words.write_text('{"format": "hanzipad-user-words", "version": 1, "words": 3}',
                     encoding="utf-8")
    table = tmp_path / "words.tsv"
    table.write_text("# hanzipad words 1, 2 entries\n中文\t5\n人口\t0\n", encoding="utf-8")
    chars = tmp_path / "chars.tsv"
    chars.write_text("# hanzipad chars 1, 1 entries\n中\t\tmiddle\n", encoding="utf-8")
    with pytest.raises(adapt.ProfileError) as newer:
        adapt.Profile.load(profile)
    with pytest.raises(lexicon.LexiconError) as count:
        lexicon.Lexicon.load(tmp_path)
    with pytest.raises(lexicon.LexiconError) as reading:
        readings.Readings.load(tmp_path)
    said = []
    userwords.load_or_new(words, said.append)
    [kept] = said
    aside = next(tmp_path.glob("me.words.json.damaged-*")).name
    assert str(newer.value) == (f"{profile}: made by a newer HanziPad (profile version 9, this "
                                "one reads up to 1)")
    assert str(count.value) == f"{table}: line 3: count must be positive"
    assert str(reading.value) == f"{chars}: line 2: 中 has no reading"
    assert str(kept) == (f"{words}: damaged word list (no list of words); kept as {aside}, "
                         "starting a new word list")
    i18n.set_language("zh")
    try:
        assert i18n.explain(newer.value) == (f"{profile}：由更新版本的 HanziPad 创建（笔迹档案"
                                             "版本 9，本版本最高只能读取 1）")
        assert i18n.explain(count.value) == f"{table}: 第 3 行：次数必须是正数"
        assert i18n.explain(str(reading.value)) == f"{chars}: 第 2 行：中 没有读音"
        assert i18n.explain(kept) == (f"{words}：词表已损坏（没有词语列表）；已另存为 {aside}，"
                                      "将新建词表")
    finally:
        i18n.set_language("en")
