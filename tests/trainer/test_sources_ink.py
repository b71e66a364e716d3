import json

import numpy as np
import pytest

from hanzipad.ink import Ink
from hanzipad.labels import class_of
from hanzipad.raster import rasterize
from trainer.sources import SourceError, open_source

TEN = Ink.from_lists([[[0, 50], [100, 50]], [[50, 0], [50, 100]]], 100, 100, {"label": "十"})


def test_ink_jsonl_rendered_by_the_apps_rasterizer_bad_lines_counted(tmp_path):
    path = tmp_path / "real.jsonl"
    lines = [
        json.dumps(TEN.to_dict(), ensure_ascii=False),
        "{broken",
        json.dumps({"strokes": [[[0, 0], [1, 1]]]}),  # no label
        json.dumps({"strokes": [[[0, 0], [1, 1]]], "label": "A"}),  # not in the label set
        json.dumps({"strokes": [], "label": "十"}),  # empty
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    src = open_source(f"ink:{tmp_path}")
    samples = list(src)
    assert len(samples) == 1
    image, label = samples[0]
    assert label == class_of("十")
    assert np.array_equal(image, rasterize(TEN))
    assert src.stats.yielded == 1 and src.stats.corrupt == 3 and src.stats.out_of_labels == 1
    assert any("real.jsonl:2" in m for m in src.stats.messages)


def test_ink_json_file_and_missing_path(tmp_path):
    path = tmp_path / "one.json"
    path.write_text(json.dumps(TEN.to_dict(), ensure_ascii=False), encoding="utf-8")
    assert [lab for _, lab in open_source(f"ink:{path}")] == [class_of("十")]
    with pytest.raises(SourceError, match="no such file"):
        open_source(f"ink:{tmp_path / 'nope'}").shards()
