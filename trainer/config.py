"""Training configuration: defaults < TOML file (``--config``) < command-line flags (< ``--set``).

One flat dataclass, printed at the start of a run and stored in the run dir as
``config.json`` (nanoGPT style: everything that shapes a run is here and logged).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


class ConfigError(ValueError):
    """A bad config file or override; the message names the file/key and the problem."""


@dataclass
class Config:
    # data
    train: list[str] = field(default_factory=list)
    val: list[str] = field(default_factory=list)
    classes: str = ""  # train on these characters only (class order = string order)
    classes_file: str = ""  # or: a text file of characters (one per line or one string)
    input: str = "tfdata"  # tfdata | numpy (keras PyDataset over prepared shards; no TF needed)
    shuffle_buffer: int = 8192
    interleave: int = 8  # shards read in parallel
    data_workers: int = 2  # PyDataset workers (--input numpy)
    val_max: int = 2048  # validation images per evaluation (first N of the val data)
    # model
    arch: str = "compact"  # compact | residual
    width: float = 1.0
    dropout: float = 0.2
    # optimisation
    batch_size: int = 128
    max_steps: int = 2000
    optimizer: str = "adam"  # adam | adamw | sgd
    lr: float = 2e-3
    min_lr: float = 2e-5
    warmup_steps: int = 100
    schedule: str = "cosine"  # cosine | constant
    weight_decay: float = 1e-4  # adamw only
    label_smoothing: float = 0.1
    # augmentation (in the tf.data pipeline, or inside the model with --input numpy)
    augment: bool = True
    rotation: float = 10.0  # degrees, ±
    shear: float = 0.15  # ± x/y shear factor
    scale: float = 0.12  # ± zoom, independently in x and y (anisotropic)
    translate: float = 0.06  # ± fraction of the image
    thickness: float = 0.5  # probability of dilating or eroding strokes (half each)
    elastic: float = 0.5  # share of images elastically distorted (0 = off)
    elastic_scale: float = 1.5  # displacement of the elastic distortion, pixels
    brightness: float = 0.25  # ink gain 1 ± this (background stays black)
    contrast: float = 0.3  # ink gamma 1 ± this
    # run
    run_dir: str = ""
    init_from: str = ""  # fine-tune: start from the weights of this run dir or .keras checkpoint
    prune: bool = False  # init_from is a wider compact net: keep its strongest channels
    seed: int = 0
    checkpoint_every: int = 500
    val_every: int = 500
    log_every: int = 50
    steps_per_execution: int = 1
    mixed_precision: str = "auto"  # auto | on | off (auto: on where a GPU is present)
    jit_compile: str = "auto"  # auto | on | off (auto: on where a GPU is present)
    strategy: str = "default"  # default | mirrored | multiworker
    tensorboard: bool = True
    progress: str = "auto"  # auto | bar | log  (bar: Keras progress bar; log: one line per log_every)

    # -- helpers ---------------------------------------------------------------
    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def hash(self) -> str:
        """Hash of what shapes the model/data (not run bookkeeping), stored in checkpoints."""
        d = self.to_dict()
        for k in ("run_dir", "max_steps", "checkpoint_every", "val_every", "log_every", "progress",
                  "tensorboard", "val_max", "data_workers"):
            d.pop(k, None)
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]

    def dump(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


FIELDS = {f.name: f for f in dataclasses.fields(Config)}
#: Networks earlier versions offered, with why they are gone: a config (a run dir's stored
#: config.json, a TOML file) naming one is refused saying so.
REMOVED_ARCHS = {
    "layout": "the compact network with a 4x4 grid head, tried and not kept: docs/model-history.md",
    "article": "the article's reference network, never trained",
}

CHOICES = {
    "input": ("tfdata", "numpy"),
    "arch": ("compact", "residual"),
    "optimizer": ("adam", "adamw", "sgd"),
    "schedule": ("cosine", "constant"),
    "mixed_precision": ("auto", "on", "off"),
    "jit_compile": ("auto", "on", "off"),
    "strategy": ("default", "mirrored", "multiworker"),
    "progress": ("auto", "bar", "log"),
}


#: Allowed ranges, checked on the resolved config (:func:`validate`).
AT_LEAST_1 = ("batch_size", "max_steps", "log_every", "steps_per_execution", "val_max",
              "interleave", "data_workers")
AT_LEAST_0 = ("shuffle_buffer", "warmup_steps", "checkpoint_every", "val_every", "seed")
POSITIVE = ("lr", "width")  # > 0 and finite
NON_NEGATIVE = ("min_lr", "weight_decay", "rotation", "shear", "elastic_scale")  # >= 0, finite
FRACTIONS = ("label_smoothing", "thickness", "elastic", "translate", "scale", "brightness",
             "contrast")  # 0..1
BELOW_1 = ("dropout",)  # 0 <= x < 1
#: Upper bounds: past them a run only fails deep inside TensorFlow (an allocation of a billion
#: images, a network too wide for memory, a buffer or a step count beyond int64).
AT_MOST = {"batch_size": 65536, "width": 16.0, "shuffle_buffer": 10_000_000,
           "max_steps": 2**62, "warmup_steps": 2**62, "checkpoint_every": 2**62,
           "val_every": 2**62, "log_every": 2**62, "steps_per_execution": 100_000,
           "val_max": 2**62, "interleave": 4096, "data_workers": 4096, "seed": 2**63 - 1}


def validate(cfg: Config, origin: dict | None = None) -> Config:
    """Refuse values that crash later (``log_every=0``) or train garbage (``lr=nan``,
    ``width<=0``, a share outside 0..1), naming the key and the layer it came from
    (``origin[key]``: a file, ``command line``, ``--set``, ``stored config``)."""
    origin = origin or {}

    def bad(key, what):
        where = origin.get(key, "default")
        raise ConfigError(f"{where}: {key} must be {what}, got {getattr(cfg, key)!r}")

    for key in AT_LEAST_1:
        if getattr(cfg, key) < 1:
            bad(key, "at least 1")
    for key in AT_LEAST_0:
        if getattr(cfg, key) < 0:
            bad(key, "0 or more")
    for key in POSITIVE:
        v = getattr(cfg, key)
        if not (math.isfinite(v) and v > 0):
            bad(key, "a positive finite number")
    for key in NON_NEGATIVE:
        v = getattr(cfg, key)
        if not (math.isfinite(v) and v >= 0):
            bad(key, "a finite number of 0 or more")
    for key in FRACTIONS:
        if not 0 <= getattr(cfg, key) <= 1:  # False for NaN too
            bad(key, "a fraction from 0 to 1")
    for key in BELOW_1:
        if not 0 <= getattr(cfg, key) < 1:
            bad(key, "a fraction from 0 to below 1")
    for key, top in AT_MOST.items():
        if getattr(cfg, key) > top:
            bad(key, f"at most {top:,}")
    return cfg


def _coerce(key: str, value, where: str):
    f = FIELDS.get(key)
    if f is None:
        raise ConfigError(f"{where}: unknown setting {key!r} (known: {', '.join(sorted(FIELDS))})")
    default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
    try:
        if isinstance(default, bool):
            if isinstance(value, str):
                low = value.strip().lower()
                if low not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                    raise ValueError(value)
                value = low in ("1", "true", "yes", "on")
            elif not isinstance(value, bool):
                raise ValueError(value)
        elif isinstance(default, int):
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError(value)
            value = int(value)
        elif isinstance(default, float):
            if isinstance(value, bool):
                raise ValueError(value)
            value = float(value)
        elif isinstance(default, list):
            if isinstance(value, str):
                value = [v for v in value.split(",") if v]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError(value)
            value = list(value)
        else:
            if not isinstance(value, str):
                raise ValueError(value)
    except (TypeError, ValueError):
        kind = type(default).__name__
        raise ConfigError(f"{where}: {key} must be a {kind}, got {value!r}") from None
    if key == "arch" and value in REMOVED_ARCHS:
        raise ConfigError(f"{where}: arch {value!r} was removed ({REMOVED_ARCHS[value]}); arch "
                          f"must be one of {', '.join(CHOICES[key])}")
    if key in CHOICES and value not in CHOICES[key]:
        raise ConfigError(f"{where}: {key} must be one of {', '.join(CHOICES[key])}, got {value!r}")
    return value


def load_toml(path: str | Path) -> dict:
    from hanzipad.fileio import read_bytes_bounded

    path = Path(path)
    try:  # a regular file of at most 16 MiB: a FIFO or /dev/zero is refused unread
        data = tomllib.loads(read_bytes_bounded(path, 16 << 20).decode("utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML (not UTF-8 text at byte {exc.start})") from None
    except ValueError as exc:  # larger than the limit: names the file
        raise ConfigError(str(exc)) from None
    except RecursionError:
        raise ConfigError(f"{path}: not valid TOML (nested too deeply)") from None
    # allow [train]/[model]/... tables: flatten one level
    flat: dict = {}
    for k, v in data.items():
        if isinstance(v, dict):
            flat.update(v)
        else:
            flat[k] = v
    return flat


def parse_set(items: list[str]) -> dict:
    out = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set {item!r}: expected key=value")
        out[key.strip().replace("-", "_")] = value.strip()
    return out


def resolve(file: str | None = None, overrides: dict | None = None,
            sets: list[str] | None = None, base: dict | None = None,
            base_where: str = "stored config") -> Config:
    """defaults < ``base`` (e.g. a resumed run's stored config; ``base_where`` names it in
    errors) < TOML file < ``overrides`` (CLI flags that were given, None values ignored) <
    ``--set key=value``."""
    cfg = Config()
    layers = []
    if base:
        layers.append((base_where, base))
    if file:
        layers.append((str(file), load_toml(file)))
    if overrides:
        layers.append(("command line", {k: v for k, v in overrides.items() if v is not None}))
    if sets:
        layers.append(("--set", parse_set(sets)))
    origin = {}
    for where, values in layers:
        for key, value in values.items():
            setattr(cfg, key, _coerce(key, value, where))
            origin[key] = where
    return validate(cfg, origin)


def class_list(cfg: Config) -> list[str]:
    """The characters trained on, in class order: the config's subset or all 3755."""
    from hanzipad.labels import class_of, gb2312_level1

    text = cfg.classes
    if cfg.classes_file:
        from hanzipad.fileio import read_bytes_bounded

        try:  # a regular file of at most 1 MiB: never a FIFO or /dev/zero
            text = read_bytes_bounded(cfg.classes_file, 1 << 20).decode("utf-8")
        except OSError as exc:
            raise ConfigError(f"{cfg.classes_file}: cannot read classes file "
                              f"({exc.strerror or exc})") from None
        except ValueError as exc:  # not UTF-8, or larger than 1 MiB
            raise ConfigError(f"{cfg.classes_file}: cannot read classes file ({exc})") from None
    if not text:
        return gb2312_level1()
    chars, seen = [], set()
    for ch in text:
        if ch.isspace() or ch in seen:
            continue
        if class_of(ch) is None:
            where = cfg.classes_file or "classes"
            raise ConfigError(f"{where}: {ch!r} is not a GB2312 level-1 character")
        seen.add(ch)
        chars.append(ch)
    if not chars:
        raise ConfigError(f"{cfg.classes_file or 'classes'}: no characters")
    return chars
