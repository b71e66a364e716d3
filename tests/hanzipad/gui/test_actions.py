"""The window's actions are one table (issue 38): every entry becomes the window's
``<name>_action`` with its keys, in the menus and the tool bar the table names."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence

from hanzipad.gui.actions import ACTIONS, MENUS, TOOLBAR, resolve


def test_the_table_is_consistent():
    names = [spec.name for spec in ACTIONS]
    assert len(names) == len(set(names))
    listed = [n for _, items in MENUS for n in items if n] + [n for n in TOOLBAR if n]
    assert set(listed) <= set(names)
    keys = [k for spec in ACTIONS for k in spec.shortcuts]
    assert len(keys) == len(set(keys)), "a key bound twice"


def test_the_window_gets_every_action(qtbot):
    from hanzipad.gui.window import MainWindow

    window = MainWindow(load_model=False, load_context=False)
    qtbot.addWidget(window)
    for spec in ACTIONS:
        action = getattr(window, f"{spec.name}_action")
        assert action in window.actions()
        assert [k.toString() for k in action.shortcuts()] == [
            QKeySequence(k).toString() for k in spec.shortcuts]
        assert action.isCheckable() == spec.checkable
        if spec.handler not in ("undo", "redo"):
            assert callable(resolve(window, spec.handler))
    menus = {a.text(): a.menu() for a in window.menuBar().actions()}
    edit = [a for a in menus["&Edit"].actions() if not a.isSeparator()]
    assert [a.text() for a in edit][-3:] == [
        "&Learn from my handwriting", "&Forget my handwriting", "&Restore my handwriting"]
    assert not window.restore_action.isEnabled()
    assert window.learn_action.isChecked()  # learning is on unless turned off
    assert [a.iconText() for a in window.toolbar.actions()[:6] if not a.isSeparator()] == [
        "Open", "Save", "Undo", "Redo", "Clear"]
    window.pick_3_action.trigger()  # nothing written: the digit is typed
    window.cursor_home_action.trigger()
    window.space_action.trigger()
    assert window.composition.text() == " 3" and window.composition.cursor == 1
    window.close()
