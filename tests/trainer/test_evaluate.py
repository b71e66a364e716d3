import json
import shutil

from hanzipad.ink import Ink
from trainer.cli import main


def test_evaluate_records_figures_in_the_bundle(tiny_bundle, tmp_path, capsys):
    bundle = tmp_path / "b"
    shutil.copytree(tiny_bundle, bundle)
    ten = Ink.from_lists([[[0, 50], [100, 50]], [[50, 0], [50, 100]]], 100, 100, {"label": "十"})
    data = tmp_path / "ink.jsonl"
    data.write_text((json.dumps(ten.to_dict(), ensure_ascii=False) + "\n") * 3, encoding="utf-8")
    assert main(["evaluate", "--model", str(bundle), "--data", f"ink:{data}", "--json", "--record"]) == 0
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert last["n"] == 3 and {"top1", "top3", "top10", "skipped"} <= set(last)
    meta = json.loads((bundle / "model.json").read_text(encoding="utf-8"))
    # keyed by the data as model.json names sources: no path of this machine
    assert list(meta["evaluation"]) == ["ink:ink.jsonl"]
    recorded = meta["evaluation"]["ink:ink.jsonl"]
    assert recorded["n"] == 3 and recorded["top1"] == last["top1"]
