"""model.json's provenance written without repeats, and read back whole."""

import json

import pytest

from hanzipad.credits import model_credits
from hanzipad.provenance import compact, expand

SOURCES = [{"kind": "pot", "name": "casia", "database": "CASIA-OLHWDB1.1",
            "writers": "1001-1180", "terms": "free for academic research"},
           {"kind": "font", "name": "wqy-microhei.ttc", "full_name": "WenQuanYi Micro Hei",
            "licence": "Apache-2.0 or GPL-3.0 with font exception"}]


def _stage(step: int, base: dict | None) -> dict:
    record = {"checkpoint": "best.keras", "step": step, "sources": SOURCES,
              "commands": [{"argv": ["hanzipad-train", "train", "--max-steps", str(step)]}]}
    if base is not None:
        record["init_from"] = base
    return record


def _meta() -> dict:
    """An average of a stage with the bundle it was fine-tuned from, twice over: every
    member repeats the whole record below it (the way the shipped model.json grew)."""
    bundle = {"bundle": "model", "kind": "model bundle", "steps": 100, "sources": SOURCES,
              "init_from": _stage(100, None)}
    for step in (2000, 4000):
        bundle = {"bundle": "model", "kind": "model bundle", "steps": step, "sources": SOURCES,
                  "averaged_from": [_stage(step, bundle), bundle]}
    return {"format": "hanzipad-bundle", "name": "hanzipad-default", "sources": SOURCES,
            "figures": {"val": {"top1": 0.89}}, "averaged_from": bundle["averaged_from"]}


def test_compact_writes_each_repeat_once_and_expand_restores_it():
    meta = _meta()
    small = compact(meta)
    text = json.dumps(small, ensure_ascii=False)
    assert len(text) < len(json.dumps(meta, ensure_ascii=False)) / 2
    # the stage's base is the other member: written once, referenced by a JSON pointer
    assert small["averaged_from"][1] == {"$ref": "#/averaged_from/0/init_from"}
    assert '"$ref": "#/sources"' in text  # a member's sources repeat the top-level list
    assert expand(small) == meta and expand(meta) == meta  # lossless; old files unchanged
    assert meta == _meta()  # compact copies, it does not change its argument


def test_fields_the_app_reads_are_never_replaced():
    meta = {**_meta(), "val_sources": SOURCES}  # equal to "sources", met earlier
    small = compact(meta)
    assert small["sources"] == SOURCES and small["val_sources"] == SOURCES
    assert small["figures"] == meta["figures"]
    assert model_credits(small) == model_credits(meta)  # the About box reads it the same


@pytest.mark.parametrize("ref", ["#/averaged_from/7", "#/nothing", "http://elsewhere/x.json"])
def test_a_reference_that_points_nowhere_is_an_error(ref):
    broken = {**compact(_meta()), "init_from": {"$ref": ref}}
    with pytest.raises(ValueError, match="points nowhere|unsupported reference"):
        expand(broken)
    assert model_credits(broken) == model_credits(_meta())  # top-level sources: all


def _bomb(levels=40, fan=10):
    """5 KB of references, each level ten of the one before: 10**40 parts expanded."""
    init = {"a0": ["lol" * 4] * fan}
    for i in range(1, levels):
        init[f"a{i}"] = [{"$ref": f"#/init_from/a{i - 1}"} for _ in range(fan)]
    return {"format": "hanzipad-bundle", "sources": SOURCES, "init_from": init}


def test_a_reference_bomb_is_refused_before_anything_is_built():
    import time

    from hanzipad.provenance import expanded_size

    bomb = _bomb()
    assert len(json.dumps(bomb)) < 20_000
    t0 = time.monotonic()
    with pytest.raises(ValueError, match="expand to more than"):
        expand(bomb)
    assert time.monotonic() - t0 < 1
    assert model_credits(bomb) == model_credits({"sources": SOURCES})  # the About box opens
    assert expanded_size(_meta()) < 10_000 and expand(compact(_meta())) == _meta()


def test_a_reference_cycle_is_an_error_not_a_hang():
    loop = {"sources": SOURCES, "init_from": {"x": {"$ref": "#/init_from"}}}
    with pytest.raises(ValueError, match="cycle"):
        expand(loop)
    self_ref = {"init_from": {"$ref": "#/init_from"}}
    with pytest.raises(ValueError, match="cycle"):
        expand(self_ref)
