"""Config precedence (defaults < stored < TOML < flags < --set), validation, class subsets."""

from __future__ import annotations

import json

import pytest

from trainer.config import Config, ConfigError, class_list, resolve


def test_precedence_file_then_cli_then_set(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text('lr = 0.01\nbatch_size = 64\nmax_steps = 10\n[model]\narch = "article"\n'
                 'width = 0.5\n')
    cfg = resolve(f, {"batch_size": 32, "lr": None}, ["max_steps=99", "augment=false"],
                  base={"lr": 0.5, "seed": 7, "batch_size": 8})
    assert cfg.lr == 0.01  # file beats the stored config; a flag not given (None) changes nothing
    assert cfg.batch_size == 32  # flag beats file
    assert cfg.max_steps == 99 and cfg.augment is False  # --set beats everything
    assert cfg.arch == "article" and cfg.width == 0.5  # tables are flattened
    assert cfg.seed == 7  # stored config kept where nothing overrides it
    assert Config().lr != 0.01


@pytest.mark.parametrize("text, needle", [
    ("lr = 'fast'", "lr must be a float"),
    ("nonsense = 1", "unknown setting 'nonsense'"),
    ("arch = 'resnet'", "arch must be one of compact, article"),
    ("max_steps = 1.5", "max_steps must be a int"),
    ("lr = ", "not valid TOML"),
])
def test_bad_config_file_named(tmp_path, text, needle):
    f = tmp_path / "bad.toml"
    f.write_text(text + "\n")
    with pytest.raises(ConfigError) as e:
        resolve(f)
    assert needle in str(e.value) and str(f) in str(e.value)


def test_set_syntax_and_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="expected key=value"):
        resolve(sets=["lr"])
    with pytest.raises(ConfigError, match="config file not found"):
        resolve(tmp_path / "nope.toml")


def test_class_subset_in_given_order(tmp_path):
    assert class_list(Config(classes="人 一人口")) == ["人", "一", "口"]
    assert len(class_list(Config())) == 3755
    f = tmp_path / "cls.txt"
    f.write_text("日\n月\n")
    assert class_list(Config(classes_file=str(f))) == ["日", "月"]
    with pytest.raises(ConfigError, match="not a GB2312 level-1"):
        class_list(Config(classes="一A"))


def test_hash_ignores_bookkeeping_and_dump_is_json():
    a, b = Config(max_steps=10), Config(max_steps=20, run_dir="x")
    assert a.hash() == b.hash()
    assert a.hash() != Config(lr=1.0).hash()
    assert json.loads(a.dump())["max_steps"] == 10


def test_example_configs_resolve():
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "resources" / "train"
    files = sorted(folder.glob("*.toml"))
    assert files
    for f in files:
        resolve(f)
