"""UI language: English, or Chinese when the system locale is Chinese.

The strings are few, so they live in one table here instead of Qt ``.ts``/``.qm``
files (which would need Qt's Linguist tools to build).  ``tr("Open…")`` returns
the text in the current language.
"""

from __future__ import annotations

import errno
import os
import re

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
    "&Help": "帮助(&H)",
    "&About HanziPad": "关于汉字手写板(&A)",
    "About HanziPad": "关于汉字手写板",
    "Handwriting pad for Chinese: the 3755 GB2312 level-1 characters.":
        "汉字手写板：识别 3755 个 GB2312 一级汉字。",
    "No model loaded.": "未加载模型。",
    "Model: {} ({} characters)": "模型：{}（{} 个字）",
    "Trained on:": "训练数据：",
    "This model was trained on data whose terms allow academic research only; commercial use "
    "needs the data owner's permission (CASIA). A model trained only on synthetic handwriting "
    "and fonts can be built with resources/train/make-default-model.":
        "本模型的训练数据仅允许用于学术研究；商业使用须获得数据所有者（CASIA）的许可。"
        "只用合成手写和字体训练的模型可以用 resources/train/make-default-model 构建。",
    "Candidate font: Noto Sans CJK SC subset (SIL OFL 1.1). App: MIT licence.":
        "候选字字体：Noto Sans CJK SC 子集（SIL OFL 1.1）。程序：MIT 许可证。",
    "no usable ink line in this file": "这个文件里没有可用的笔迹行",
    "no strokes to show (the stroke list is empty)": "没有可显示的笔画（笔画列表为空）",
    "the file is read-only; it was not changed": "文件是只读的，未作修改",
    "is a folder, not a file": "是文件夹，不是文件",
    "not a regular file": "不是普通文件",
    "no such file or folder": "文件或文件夹不存在",
    "permission denied": "没有权限",
    "the disk is full": "磁盘已满",
    "disk quota exceeded": "超出磁盘配额",
    "read-only file system": "只读文件系统",
    "a part of the path is not a folder": "路径中有一部分不是文件夹",
    "file name too long": "文件名太长",
    "input/output error": "输入/输出错误",
}

#: OS errors the GUI explains itself (the system's own text is English on most systems).
ERRNO_TEXT = {
    errno.ENOENT: "no such file or folder",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOSPC: "the disk is full",
    errno.EROFS: "read-only file system",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EISDIR: "is a folder, not a file",
    errno.ENAMETOOLONG: "file name too long",
    errno.EIO: "input/output error",
}
if hasattr(errno, "EDQUOT"):
    ERRNO_TEXT[errno.EDQUOT] = "disk quota exceeded"

#: The reasons hanzipad's core modules (ink, normalize, bundle, recognizer) give, in
#: English, and their Chinese. A message there reads "WHERE: REASON"; WHERE (a file name,
#: "stroke 3 point 1") is kept, REASON is matched whole. Reasons not listed stay English.
REASONS_ZH = [(re.compile(pattern + r"\Z", re.S), zh) for pattern, zh in (
    (r"no such file", "文件不存在"),
    (r"not a UTF-8 text file", "不是 UTF-8 文本文件"),
    (r"not UTF-8 text \(byte (0x[0-9a-fA-F]+) at offset (\d+)\)",
     r"不是 UTF-8 文本（偏移 \2 处的字节 \1）"),
    (r"cannot (?:read the file|be read) \(permission denied\)", "没有读取权限"),
    (r"cannot read the file \((.*)\)", r"无法读取文件（\1）"),
    (r"is a folder, not an image", "是文件夹，不是图片"),
    (r"not a regular file but a folder; refused unread", "是文件夹，不是文件；未读取"),
    (r"not a regular file but (.*); refused unread", r"不是普通文件（\1）；未读取"),
    (r"larger than (.*), too large for an ink file", r"超过 \1，笔迹文件太大"),
    (r"not valid JSON \((.*) at line (\d+) column (\d+)\)",
     r"不是有效的 JSON（第 \2 行第 \3 列：\1）"),
    (r"not valid JSON \((.*) at line (\d+)\)", r"不是有效的 JSON（第 \2 行：\1）"),
    (r"JSON nested too deeply.*", "JSON 嵌套太深"),
    (r"coordinate is not finite \((.*)\)", r"坐标不是有限数（\1）"),
    (r"non-finite number (.*) in coordinates", r"坐标中有非有限数 \1"),
    (r"number with (\d+) digits is too large.*", r"数字太大（\1 位）"),
    (r"(.*) is outside the accepted range \((.*)\)", r"\1 超出允许范围（\2）"),
    (r"expected a number, got (.*)", r"应为数字，实际是 \1"),
    (r"expected a list of points", "应为点的列表"),
    (r"expected \[x, y\], \[x, y, t\] or \[x, y, t, pressure\]",
     "点应为 [x, y]、[x, y, t] 或 [x, y, t, 压力]"),
    (r"expected a JSON object with 'strokes'", "应为含有 'strokes' 的 JSON 对象"),
    (r"no 'strokes' key", "缺少 'strokes' 键"),
    (r"'strokes' must be a list", "'strokes' 必须是列表"),
    (r"not an image file HanziPad opens \(it opens (.*)\)",
     r"不是 HanziPad 能打开的图片文件（支持 \1）"),
    (r"image too large \((\d+)x(\d+) pixels; the limit is (.*) pixels\)",
     r"图片太大（\1x\2 像素；上限为 \3 像素）"),
    (r"image too large.*", "图片太大"),
    (r"image has no pixels \((.*)\)", r"图片没有像素（\1）"),
    (r"corrupt or truncated image \((.*)\)", r"图片已损坏或不完整（\1）"),
    (r"cannot use this image \((.*)\)", r"无法使用这张图片（\1）"),
    (r"a model bundle is a folder \(with (.*)\)", r"模型包应是一个文件夹（含 \1）"),
    (r"incomplete model bundle, missing (.*)", r"模型包不完整，缺少 \1"),
    (r"not a valid TFLite model.*", "不是有效的 TFLite 模型"),
    (r"cannot read \((.*)\)", r"无法读取（\1）"),
    (r"no labels", "没有标签"),
)]
WHOLE_ZH = [(re.compile(pattern + r"\Z", re.S), zh) for pattern, zh in (
    (r"model bundle not found: (.*)", r"找不到模型包：\1"),
    (r"no model runtime: .*", "没有模型运行库：请安装 ai-edge-litert（或 TensorFlow）"),
)]
_WHERE_ZH = ((re.compile(r"stroke (\d+) point (\d+)\Z"), r"第 \1 笔第 \2 点"),
             (re.compile(r"stroke (\d+)\Z"), r"第 \1 笔"))

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


def os_error(exc: OSError) -> str:
    """Why an OS call failed, in the UI language (the system's text when not listed)."""
    key = ERRNO_TEXT.get(exc.errno)
    if key is not None:
        return tr(key)
    return exc.strerror or str(exc)


def explain(message: str) -> str:
    """A message from hanzipad's core modules ("WHERE: REASON") in the UI language: in
    Chinese, the reasons listed in :data:`REASONS_ZH` are translated, WHERE is kept."""
    if _language != "zh":
        return message
    for pattern, zh in WHOLE_ZH:
        m = pattern.match(message)
        if m:
            return m.expand(zh)
    start = 0
    while True:  # try each ": " as the end of WHERE (a file name may contain one)
        cut = message.find(": ", start)
        if cut < 0:
            return message
        where, reason = message[:cut], message[cut + 2:]
        for pattern, zh in REASONS_ZH:
            m = pattern.match(reason)
            if m:
                for w_pattern, w_zh in _WHERE_ZH:
                    where = w_pattern.sub(w_zh, where)
                return f"{where}：{m.expand(zh)}"
        start = cut + 2
