"""--init-from BUNDLE: damaged bundles are refused with a message naming the file."""

import json

import pytest

pytest.importorskip("tensorflow")


def _bundle(tmp_path, meta: dict, model: bytes = b"not a flatbuffer"):
    b = tmp_path / "b"
    b.mkdir()
    (b / "model.json").write_text(json.dumps(meta))
    (b / "model.tflite").write_bytes(model)
    (b / "labels.txt").write_text("一\n二\n")
    return b


def test_garbage_tflite_is_refused_naming_it(tmp_path):
    from trainer.from_bundle import keras_from_bundle
    from trainer.sources import SourceError

    b = _bundle(tmp_path, {"arch": "compact", "width": 0.25, "classes": 2})
    with pytest.raises(SourceError, match="model.tflite: not a readable TFLite model"):
        keras_from_bundle(b)


@pytest.mark.parametrize("meta, needle", [
    ({"arch": "article", "width": 1.0, "classes": 2}, "only compact or residual bundles"),
    ({"arch": "layout", "width": 1.0, "classes": 2}, "only compact or residual bundles"),
    ({"arch": "compact", "classes": 2}, "only compact or residual bundles"),
])
def test_bundle_without_a_compact_description_is_refused(tmp_path, meta, needle):
    from trainer.from_bundle import keras_from_bundle
    from trainer.sources import SourceError

    b = _bundle(tmp_path, meta)
    with pytest.raises(SourceError, match=needle) as err:
        keras_from_bundle(b)
    assert "model.json" in str(err.value)


def test_unreadable_model_json_is_named(tmp_path):
    from trainer.from_bundle import keras_from_bundle
    from trainer.sources import SourceError

    b = _bundle(tmp_path, {})
    (b / "model.json").write_text("{broken")
    with pytest.raises(SourceError, match="model.json: cannot read"):
        keras_from_bundle(b)


@pytest.mark.parametrize("meta, needle", [
    ({"arch": "compact", "width": 0.25, "classes": 10**30}, "classes 1e\\+30 is not a number"),
    ({"arch": "compact", "width": 1e30, "classes": 2}, "width 1e\\+30 is not a network width"),
    ({"arch": "compact", "width": 0.25, "classes": int("9" * 400)}, "more than 40 digits"),
    ({"arch": "compact", "width": 0.25, "classes": 2, "x": "deep"}, "nested deeper"),
])
def test_tampered_bundle_description_is_refused_at_once(tmp_path, meta, needle):
    """A tampered model.json (classes=10**30, a 400-digit number, deep nesting) is refused
    naming the file, never built (issue 35)."""
    from trainer.from_bundle import keras_from_bundle
    from trainer.sources import SourceError

    b = _bundle(tmp_path, meta)
    if meta.get("x") == "deep":
        (b / "model.json").write_text('{"x": ' + "[" * 5000 + "]" * 5000 + "}")
    with pytest.raises(SourceError, match=needle) as err:
        keras_from_bundle(b)
    assert "model.json" in str(err.value)
