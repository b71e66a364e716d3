"""Records carry no machine paths; the tests and the tiny config need nothing outside the repository."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from tests.helpers import BUNDLED_FONT, ROOT, stroke_tarball
from trainer.records import machine_paths, public, public_path, public_text


@pytest.mark.parametrize("text, want", [
    ("/tmp/d/synth", "synth"),
    ("shards:/tmp/d/synth", "shards:synth"),
    ("strokes:/srv/ci/checkout/.device/hanzi-writer-data-2.0.1.tgz?per_char=60&seed=1",
     "strokes:hanzi-writer-data-2.0.1.tgz?per_char=60&seed=1"),
    ("ink:/srv/ci/checkout/../shared/data/tegaki-real-ink.jsonl", "ink:tegaki-real-ink.jsonl"),
    ("../shared/data/x.jsonl", "x.jsonl"),
    ("gnt:data/../other/y.gnt", "gnt:y.gnt"),
    ("shards:~/d/fonts", "shards:fonts"),
    ("font:C:\\Users\\me\\f.ttc?index=1", "font:f.ttc?index=1"),
    ("\\\\server\\share\\f.ttf", "f.ttf"),
    ("strokes:/a/b.tgz?per_char=2&seed=3 font:/usr/x.ttc?index=0",
     "strokes:b.tgz?per_char=2&seed=3 font:x.ttc?index=0"),
    ("--config=/etc/x.toml", "--config=x.toml"),
    ("/x/a.gnt @ byte 10: truncated record", "a.gnt @ byte 10: truncated record"),
    # left alone: relative paths, URLs, prose, numbers
    ("gnt:data/casia?writers=1001-1003", "gnt:data/casia?writers=1001-1003"),
    ("resources/train/default-model.toml", "resources/train/default-model.toml"),
    ("Make Me a Hanzi (Arphic PL fonts), https://github.com/chanind/hanzi-writer-data",
     "Make Me a Hanzi (Arphic PL fonts), https://github.com/chanind/hanzi-writer-data"),
    ("© 2014-2021 Adobe (http://www.adobe.com/).", "© 2014-2021 Adobe (http://www.adobe.com/)."),
    ("2.004 / 2.001", "2.004 / 2.001"),
    ("w/h 1.08, ...", "w/h 1.08, ..."),
    ("2026-11-26T06:52:23Z", "2026-11-26T06:52:23Z"),
])
def test_public_text(text, want):
    assert public_text(text) == want
    assert machine_paths(want) == []


def test_public_walks_keys_lists_and_leaves_other_values():
    record = {"sources": [{"kind": "font", "path": "/usr/share/fonts/a.ttc", "index": 2, "w": 1.5,
                           "ok": True, "none": None}],
              "evaluation": {"ink:/home/me/real.jsonl": {"n": 3}},
              "command": ["hanzipad-train", "train", "--run-dir", "/tmp/run"]}
    assert public(record) == {"sources": [{"kind": "font", "path": "a.ttc", "index": 2, "w": 1.5,
                                           "ok": True, "none": None}],
                              "evaluation": {"ink:real.jsonl": {"n": 3}},
                              "command": ["hanzipad-train", "train", "--run-dir", "run"]}
    assert machine_paths(record) == ["sources[0].path: '/usr/share/fonts/a.ttc'",
                                     "evaluation{key}: 'ink:/home/me/real.jsonl'",
                                     "command[3]: '/tmp/run'"]
    assert public_path(ROOT / "resources" / "fonts") == "fonts"
    assert public_path("runs/tiny") == "runs/tiny"


def _strings(obj):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield k
            yield from _strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings(v)
    elif isinstance(obj, str):
        yield obj


def test_shipped_model_json_names_no_machine_paths():
    meta = json.loads((ROOT / "resources" / "model" / "model.json").read_text(encoding="utf-8"))
    assert machine_paths(meta) == []
    for s in _strings(meta):  # the plain rules, independent of trainer.records' patterns
        assert not s.startswith(("/", "~", "\\")), s
        assert not re.match(r"[A-Za-z]:\\", s), s
        assert not any(bad in s for bad in ("/tmp", "/work", "/home/", "/usr/", "C:\\", "../", "..\\")), s
        spec_path = s.split(":", 1)[1] if re.match(r"[a-z]+:[^/]", s) else ""
        assert not spec_path.startswith(("/", "~")), s
    # sources are still named by kind, name, version and licence
    fonts = [s for src in meta["sources"] for s in src.get("sources", []) if s["kind"] == "font"]
    assert fonts and all(f["path"] == f["file"] and f["family"] and f["licence"] for f in fonts)
    strokes = [s for src in meta["sources"] for s in src.get("sources", []) if s["kind"] == "strokes"]
    assert strokes and all(s["path"] == "hanzi-writer-data-2.0.1.tgz" and s["version"] == "2.0.1"
                           and s["licence"] == "Arphic Public License" for s in strokes)


def test_describe_names_the_data_not_where_it_lay(tmp_path):
    from trainer.sources import open_source

    font = open_source(f"font:{BUNDLED_FONT.resolve()}?index=0", classes=list("人"))
    d = font.describe()
    assert (d["path"], d["spec"], d["file"]) == (BUNDLED_FONT.name, f"font:{BUNDLED_FONT.name}?index=0",
                                                 BUNDLED_FONT.name)
    assert d["family"] == "HanziPad Sans SC" and machine_paths(d) == []
    tgz = stroke_tarball(tmp_path / "hanzi-writer-data-2.0.1.tgz")
    d = open_source(f"strokes:{tgz}?per_char=2", classes=list("人")).describe()
    assert (d["path"], d["spec"]) == (tgz.name, f"strokes:{tgz.name}?per_char=2")
    assert (d["package"], d["version"], d["licence"]) == ("hanzi-writer-data", "2.0.1", "Arphic Public License")
    assert machine_paths(d) == []


def test_export_writes_no_machine_paths(tmp_path, monkeypatch):
    """trainer.export.export on a run whose state, config and command name absolute paths."""
    import keras

    import trainer.export as export_mod
    from hanzipad.bundle import load_bundle
    from trainer.config import Config

    labels = list("一二三")
    init = keras.initializers.GlorotUniform(seed=0)  # no global seeding: other tests' RNGs untouched
    inp = keras.Input((64, 64, 1))
    x = keras.layers.Rescaling(1 / 255.0)(inp)
    x = keras.layers.Conv2D(4, 5, strides=4, activation="relu", kernel_initializer=init)(x)
    x = keras.layers.Flatten()(x)
    model = keras.Model(inp, keras.layers.Dense(len(labels), activation="softmax", kernel_initializer=init)(x))
    run = tmp_path / "run"
    run.mkdir()
    cfg = Config(train=[f"font:{BUNDLED_FONT.resolve()}"], val=[f"ink:{ROOT}/../shared/real.jsonl"],
                 run_dir=str(run))
    source = {"kind": "font", "path": str(BUNDLED_FONT.resolve()), "spec": f"font:{BUNDLED_FONT.resolve()}",
              "stats": {"messages": [f"{BUNDLED_FONT.resolve()}: 人 missing"]}}
    state = {"step": 5, "sources": [source], "val_sources": [source], "best_val_top1": 50.0,
             "init_from": {"checkpoint": str(tmp_path / "base" / "best.keras"), "sources": [source],
                           "commands": [{"argv": ["hanzipad-train", "train", "--run-dir", "/tmp/base"]}]}}
    (run / "command.json").write_text(json.dumps([{"argv": [
        "hanzipad-train", "train", "--config", str(ROOT / "resources/train/tiny.toml"), "--run-dir", str(run)]}]))
    monkeypatch.setattr(export_mod, "load_keras_core",
                        lambda run_dir, which: (model, labels, cfg, state, run / "best.keras"))
    rng = np.random.default_rng(0)
    monkeypatch.setattr(export_mod, "sample_images",
                        lambda *a, **k: rng.integers(0, 256, (16, 64, 64), dtype=np.uint8))
    r = export_mod.export(run, tmp_path / "bundle")
    assert r["agreement"] == 1.0
    meta = load_bundle(tmp_path / "bundle").meta
    assert machine_paths(meta) == []
    assert meta["sources"][0]["path"] == BUNDLED_FONT.name
    assert meta["sources"][1]["stage"] == "init" and meta["init_from"]["checkpoint"] == "best.keras"
    assert meta["command"] == ["hanzipad-train", "train", "--config", "tiny.toml", "--run-dir", "run"]
    assert meta["config"]["val"] == ["ink:real.jsonl"] and meta["checkpoint"] == "best.keras"


def test_tiny_config_uses_only_the_repository():
    """resources/train/tiny.toml runs from any clone's root: its data are repo-relative and there."""
    from trainer.config import class_list, resolve
    from trainer.sources import open_source, parse_spec

    cfg = resolve(str(ROOT / "resources" / "train" / "tiny.toml"))
    assert cfg.train and machine_paths(cfg.to_dict()) == []
    classes = class_list(cfg)
    for spec in cfg.train + cfg.val:
        path = parse_spec(spec).path
        assert not path.startswith(("/", "~")) and ".." not in path, spec
        assert (ROOT / path).exists(), spec
        src = open_source(f"{parse_spec(spec).kind}:{ROOT / path}", classes=classes)
        assert src.stats.missing == 0 and len(list(src)) == len(classes), spec


# Strings that name data outside the repository; the tests must not use them (fresh machines
# have none of it). Optional checks against originals go through HANZIPAD_EXTRA_DATA instead.
OUTSIDE = ("/usr/share/fonts", "/usr/local/share/fonts", "shared/data", '"shared"', "/work/")


def test_tests_name_no_data_outside_the_repository():
    offenders = []
    for f in sorted((ROOT / "tests").rglob("*.py")):
        if f.name == "test_records.py" or "benchmarks" in f.parts:  # benchmarks: --data, see README
            continue
        text = f.read_text(encoding="utf-8")
        for n, line in enumerate(text.splitlines(), 1):
            if any(s in line for s in OUTSIDE) or re.search(r"pytest\.skip\(|mark\.skipif\(", line) and "data" in line:
                offenders.append(f"{f.relative_to(ROOT)}:{n}: {line.strip()}")
    assert offenders == []
