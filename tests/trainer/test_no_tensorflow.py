"""The no-TF path (a JAX box without TensorFlow): no module on the ``--input numpy`` path
imports TensorFlow at import time, and its data stream works without it.

jax is not installed here and Keras' numpy backend needs jax and scipy, so Keras cannot start
without TensorFlow on this machine: the subprocess blocks ``tensorflow`` (and ``keras``) and
checks the Keras-free modules and the stream; an AST check covers the Keras modules."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from tests.trainer.tinydata import CHARS, write_gnt

ROOT = Path(__file__).resolve().parents[2]
NUMPY_PATH = ["cli", "config", "train", "pipeline", "augment", "model", "evaluate", "predict"]

SCRIPT = r"""
import sys

class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("tensorflow", "tensorboard", "keras"):
            raise ImportError(f"blocked for the test: {name}")
        return None

sys.meta_path.insert(0, Block())
import numpy as np
import trainer.cli, trainer.config, trainer.train, trainer.pipeline, trainer.evaluate
import trainer.predict
from trainer.pipeline import DataSet, _Window
from trainer.train import _have_tensorflow
assert not _have_tensorflow()
data = DataSet([sys.argv[1]], list(sys.argv[2]))
w = _Window(data, seed=0, window=2)
x, y = w.take(8)
assert x.shape == (8, 64, 64) and x.dtype == np.uint8 and y.shape == (8,)
x2, _ = w.take(8)
assert not np.array_equal(x, x2)
xs = [w.take(8)[1] for _ in range(20)]  # several passes over the 20 samples
assert set(np.concatenate(xs)) == set(range(len(sys.argv[2])))
print("OK", sorted(k for k in sys.modules if k.split(".")[0] in ("tensorflow", "keras")))
"""


def test_numpy_path_runs_without_tensorflow(tmp_path):
    gnt = write_gnt(tmp_path / "gnt", per_char=4, seed=0)
    r = subprocess.run([sys.executable, "-c", SCRIPT, f"gnt:{gnt}", CHARS], cwd=ROOT,
                       env=dict(os.environ, KERAS_BACKEND="jax"),
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "OK []" in r.stdout


def test_no_module_level_tensorflow_import():
    for name in NUMPY_PATH:
        tree = ast.parse((ROOT / "trainer" / f"{name}.py").read_text(encoding="utf-8"))
        for node in tree.body:  # module level only; imports inside functions are lazy
            mods = []
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                mods = [node.module]
            assert not any(m.split(".")[0] == "tensorflow" for m in mods), (name, mods)
