"""UI language: English, or Chinese when the system locale is Chinese.

The strings are few, so they live in one table here instead of Qt ``.ts``/``.qm``
files (which would need Qt's Linguist tools to build).  ``tr("Open…")`` returns
the text in the current language.
"""

from __future__ import annotations

import os

ZH = {
    "HanziPad": "汉字手写板",
    "loading model…": "正在加载模型…",
    "model: {}": "模型：{}",
    "{} ({} characters)": "{}（{} 个字）",
    "model not loaded": "模型未加载",
    "No model: {}": "没有可用的模型：{}",
    "Drawing still works, but no candidates can be shown.":
        "仍然可以书写，但无法显示候选字。",
    "Cannot open file": "无法打开文件",
    "Cannot save file": "无法保存文件",
    "Model problem": "模型有问题",
    "&File": "文件(&F)",
    "&Edit": "编辑(&E)",
    "&View": "视图(&V)",
    "&Open…": "打开(&O)…",
    "&Save ink…": "保存笔迹(&S)…",
    "&Quit": "退出(&Q)",
    "&Undo": "撤销(&U)",
    "&Redo": "重做(&R)",
    "&Clear": "清除(&C)",
    "Copy &all": "全部复制(&A)",
    "Copy all": "全部复制",
    "More": "更多",
    "More candidates": "更多候选字",
    "Pen width": "笔宽",
    "Open": "打开",
    "Save": "保存",
    "Undo": "撤销",
    "Redo": "重做",
    "Clear": "清除",
    "Write a character here": "在这里写一个字",
    "Picked characters appear here": "选中的字会出现在这里",
    "Open image or ink": "打开图片或笔迹",
    "Images and ink (*.png *.jpg *.jpeg *.bmp *.json);;Images (*.png *.jpg *.jpeg *.bmp);;"
    "Ink (*.json);;All files (*)":
        "图片和笔迹 (*.png *.jpg *.jpeg *.bmp *.json);;图片 (*.png *.jpg *.jpeg *.bmp);;"
        "笔迹 (*.json);;所有文件 (*)",
    "Save ink": "保存笔迹",
    "Ink (*.json)": "笔迹 (*.json)",
    "Nothing to save: draw a character first.": "没有可保存的内容：请先写一个字。",
    "Opened {}": "已打开 {}",
    "Saved {}": "已保存 {}",
    "Copied {}": "已复制 {}",
    "Copied all text": "已复制全部文字",
    "{} more files ignored": "另外 {} 个文件未打开",
    "{}: recognition failed: {}": "{}：识别失败：{}",
    "recognition failed: {}": "识别失败：{}",
    "Add stroke": "添加笔画",
    "Clear canvas": "清除画布",
    "Erase strokes": "擦除笔画",
    "Open {}": "打开 {}",
    "{:.1f} ms": "{:.1f} 毫秒",
    "Press 1–3 to pick": "按 1–3 选字",
}

_language = "en"
_translator = None


def system_language() -> str:
    """``"zh"`` when the system locale (or ``$HANZIPAD_LANG``) is Chinese, else ``"en"``."""
    env = os.environ.get("HANZIPAD_LANG")
    if env:
        return "zh" if env.lower().startswith("zh") else "en"
    from PySide6.QtCore import QLocale

    return "zh" if QLocale.system().name().lower().startswith("zh") else "en"


def set_language(language: str) -> None:
    global _language
    _language = "zh" if language.lower().startswith("zh") else "en"


def install_qt_translations(app) -> bool:
    """Qt's own strings (dialog buttons, file dialogs) in Chinese too, when available."""
    global _translator
    if _translator is not None:
        app.removeTranslator(_translator)
        _translator = None
    if _language != "zh":
        return False
    from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator

    translator = QTranslator(app)
    path = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if translator.load(QLocale(QLocale.Language.Chinese, QLocale.Country.China), "qtbase", "_", path):
        app.installTranslator(translator)
        _translator = translator
        return True
    return False


def language() -> str:
    return _language


def tr(text: str) -> str:
    if _language == "zh":
        return ZH.get(text, text)
    return text
