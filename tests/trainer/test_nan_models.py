"""A model with NaN weights (a diverged run) is never averaged into a best.keras nor scored
(issue 35 point 7): ``average`` and ``evaluate`` refuse it, exit 1, naming it."""

from __future__ import annotations

import numpy as np
import pytest

from tests.trainer.tinydata import CHARS, write_gnt

pytest.importorskip("keras")


def _run_dir(path, gnt, nan=False):
    """A run dir as train leaves it (config.json, best.keras) with an untrained tiny net."""
    from trainer import model as M
    from trainer.config import Config

    cfg = Config(train=[f"gnt:{gnt}"], classes=CHARS, width=0.25, batch_size=4, max_steps=4,
                 run_dir=str(path))
    path.mkdir(parents=True)
    (path / "config.json").write_text(cfg.dump())
    core = M.build_model(cfg.arch, len(CHARS), cfg.width, cfg.dropout)
    if nan:
        w = core.weights[0]
        w.assign(np.full(tuple(w.shape), np.nan, np.float32))
    core.save(path / "best.keras")
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("nan")
    gnt = write_gnt(root / "gnt", per_char=2, seed=0, files=1)
    return gnt, _run_dir(root / "good", gnt), _run_dir(root / "bad", gnt, nan=True)


def test_average_refuses_a_diverged_member(runs, tmp_path, capsys):
    from trainer.cli import main

    gnt, good, bad = runs
    out = tmp_path / "avg"
    assert main(["average", "--from", str(good), str(bad), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"{bad / 'best.keras'}: its weights are not finite" in err and "not written" in err
    assert err.count("\n") == 1 and not out.exists()
    assert main(["average", "--from", str(good), str(good), "--out", str(out)]) == 0
    assert (out / "best.keras").is_file()


def test_evaluate_refuses_to_score_a_nan_model(runs, capsys):
    from trainer.cli import main

    gnt, good, bad = runs
    assert main(["evaluate", "--model", str(bad), "--data", f"gnt:{gnt}"]) == 1
    captured = capsys.readouterr()
    assert "weights are not finite" in captured.err and "no accuracy reported" in captured.err
    assert "top-1" not in captured.out and not (bad / "figures.json").exists()
    assert main(["evaluate", "--model", str(good), "--data", f"gnt:{gnt}"]) == 0


def test_evaluate_refuses_nan_outputs(runs, monkeypatch, capsys):
    """Outputs that are NaN (a bundle's model, say) are refused as well."""
    from trainer.cli import main
    from trainer.evaluate import Predictor

    gnt, good, _ = runs
    monkeypatch.setattr(Predictor, "probabilities",
                        lambda self, x: np.full((len(x), len(self.labels)), np.nan, np.float32))
    assert main(["evaluate", "--model", str(good), "--data", f"gnt:{gnt}"]) == 1
    assert "outputs are not finite (NaN or infinity) on 10 of 10" in capsys.readouterr().err


def test_export_refuses_nan_weights_before_converting(runs, tmp_path, capsys):
    from trainer.cli import main

    _, _, bad = runs
    out = tmp_path / "bundle"
    assert main(["export", "--run-dir", str(bad), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "its weights are not finite" in err and "not written" in err and not out.exists()
