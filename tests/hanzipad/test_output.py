"""The typed run and its key plans (hanzipad.output): what the focused program may lose."""

from hanzipad.compose import KEY, Composition, Entry
from hanzipad.output import OutputPlanner


def _keys(plan):
    return [(b.edits, op) for b in plan.batches for op in b.ops]


def _commit(comp, planner, text, index=None, kind="char"):
    entry = Entry(text, kind=kind)
    comp.insert(len(comp) if index is None else index, entry)
    return entry, planner.inserted(entry, comp)


def test_restored_text_is_never_edited_there():
    comp = Composition([Entry("洪"), Entry("中"), Entry("国")], cursor=3)  # an earlier run's
    planner = OutputPlanner()
    new, plan = _commit(comp, planner, "天")
    assert _keys(plan) == [(False, ("text", "天"))]  # typed, nothing taken
    old = comp.entry(1)
    comp.replace_text(1, "下")
    assert planner.replaced(old).pad_only and not planner.replaced(old).batches
    comp.remove(old)
    assert planner.removed(old).pad_only
    # typed beside restored text (not beside the run): a new run, typed at the cursor
    run = planner.run.id
    _, plan = _commit(comp, planner, "人", index=0)
    assert _keys(plan) == [(False, ("text", "人"))] and planner.run.id == run + 1
    assert new not in planner.run


def test_the_fewest_keys_inside_the_run():
    comp, planner = Composition(), OutputPlanner()
    a, _ = _commit(comp, planner, "中")
    b, _ = _commit(comp, planner, "文")
    c, _ = _commit(comp, planner, " ", kind=KEY)
    assert planner.run.cursor == 3
    comp.replace_text(0, "天")
    plan = planner.replaced(a)
    assert _keys(plan) == [(True, ("key", "Left"))] * 2 + [(True, ("key", "BackSpace")),
                                                           (True, ("text", "天"))]
    assert planner.run.cursor == 1
    # inserted after the last entry: cursor keys back to the end (an edit), then typing
    d, plan = _commit(comp, planner, "字")
    assert _keys(plan) == [(True, ("key", "Right"))] * 2 + [(False, ("text", "字"))]
    # inserted in the middle: only the moves needed from where the cursor is
    e, plan = _commit(comp, planner, "人", index=1)
    assert _keys(plan) == [(True, ("key", "Left"))] * 3 + [(False, ("text", "人"))]
    assert [x.text for x in planner.run.entries] == ["天", "人", "文", " ", "字"]
    comp.remove(b)
    plan = planner.removed(b)
    assert _keys(plan) == [(True, ("key", "Right")), (True, ("key", "BackSpace"))]
    assert planner.run.cursor == 2 and b not in planner.run
    comp.replace_text(comp.index_of(c), "\n")
    assert _keys(planner.replaced(c)) == [(True, ("key", "Right")), (True, ("key", "BackSpace")),
                                          (True, ("key", "Return"))]
    planner.reset()  # the focus moved: nothing of it is edited any more
    assert planner.removed(d).pad_only and not planner.run.entries
