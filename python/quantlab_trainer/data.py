"""Loads and validates dataset.npz. Uses numpy only (XGBoost is not imported), so bad input fails fast."""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from typing import Dict, List, Optional

import numpy as np

from quantlab_trainer.errors import InputError

X_KEYS = ("X_train", "X_valid", "X_test")
Y_KEYS = ("y_train", "y_valid")
REQUIRED = X_KEYS + Y_KEYS + ("feature_names",)
# Test labels stay with the orchestrator; a dataset that carries them was built wrong.
FORBIDDEN = ("y_test",)

NUM_CLASSES = 3
CLASS_NAMES = ("down", "flat", "up")


@dataclass
class Dataset:
    X_train: np.ndarray
    X_valid: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_valid: np.ndarray
    feature_names: List[str]
    ignored_keys: List[str]

    @property
    def n_features(self) -> int:
        return self.X_train.shape[1]


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _features(name: str, a: np.ndarray) -> np.ndarray:
    if a.ndim != 2:
        raise InputError(f"{name} must be 2-D (rows x features), got shape {a.shape}")
    if a.dtype.kind not in "fiu":
        raise InputError(f"{name} must be numeric (float32), got dtype {a.dtype}")
    if a.shape[0] == 0:
        raise InputError(f"{name} has no rows")
    if a.shape[1] == 0:
        raise InputError(f"{name} has no feature columns")
    x = np.ascontiguousarray(a, dtype=np.float32)
    if np.isinf(x).any():
        bad = np.argwhere(np.isinf(x))[0]
        extra = "" if a.dtype == np.float32 else f" (after conversion from {a.dtype} to float32)"
        raise InputError(f"{name} contains +/-inf{extra}, first at row {bad[0]} column {bad[1]}; only NaN is allowed for missing values")
    return x


def _labels(name: str, a: np.ndarray, rows: int, x_name: str) -> np.ndarray:
    if a.ndim != 1:
        raise InputError(f"{name} must be 1-D, got shape {a.shape}")
    if a.shape[0] != rows:
        raise InputError(f"{name} has {a.shape[0]} labels but {x_name} has {rows} rows")
    if a.dtype.kind in "iu":
        y = a.astype(np.int64)
    elif a.dtype.kind == "f":
        if not np.isfinite(a).all():
            i = int(np.argwhere(~np.isfinite(a))[0][0])
            raise InputError(f"{name} contains a non-finite label ({a[i]}) at row {i}")
        if (a != np.round(a)).any():
            i = int(np.argwhere(a != np.round(a))[0][0])
            raise InputError(f"{name} contains a non-integer label ({a[i]}) at row {i}")
        y = a.astype(np.int64)
    else:
        raise InputError(f"{name} must be integer class labels (int32), got dtype {a.dtype}")
    bad = (y < 0) | (y >= NUM_CLASSES)
    if bad.any():
        i = int(np.argwhere(bad)[0][0])
        raise InputError(f"{name} contains label {y[i]} at row {i}; labels must be 0=down 1=flat 2=up")
    return y.astype(np.int32)


def _names(a: np.ndarray) -> List[str]:
    if a.ndim != 1 or a.dtype.kind != "U":
        raise InputError(f"feature_names must be a 1-D unicode array (<U..), got dtype {a.dtype} shape {a.shape}")
    return [str(s) for s in a.tolist()]


def load_dataset(path: str, job_feature_names: List[str], counts: Optional[Dict[str, int]] = None) -> Dataset:
    """Reads dataset.npz and checks it against the contract and job.json; raises InputError."""
    try:
        npz = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise InputError(f"dataset file not found: {path}") from None
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as e:
        raise InputError(f"cannot read dataset {path} as .npz: {e}") from None
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise InputError(f"dataset {path} is a single .npy array, not an .npz archive")
    with npz:
        keys = set(npz.files)
        missing = [k for k in REQUIRED if k not in keys]
        if missing:
            raise InputError(f"dataset.npz is missing array(s) {', '.join(missing)}")
        present_forbidden = [k for k in FORBIDDEN if k in keys]
        if present_forbidden:
            raise InputError(f"dataset.npz must not contain {', '.join(present_forbidden)} (test labels stay with the orchestrator)")
        raw = {}
        for k in REQUIRED:
            try:
                raw[k] = npz[k]
            except (ValueError, OSError, zipfile.BadZipFile, EOFError) as e:
                raise InputError(f"dataset.npz: cannot read {k}: {e}") from None
        ignored = sorted(keys - set(REQUIRED))

    names = _names(raw["feature_names"])
    xs = {k: _features(k, raw[k]) for k in X_KEYS}
    n_feat = len(names)
    for k in X_KEYS:
        if xs[k].shape[1] != n_feat:
            raise InputError(f"{k} has {xs[k].shape[1]} features but feature_names has {n_feat}")
    if names != job_feature_names:
        if len(names) != len(job_feature_names):
            raise InputError(f"dataset.npz has {len(names)} feature names but job.json has {len(job_feature_names)}")
        i = next(i for i, (a, b) in enumerate(zip(names, job_feature_names)) if a != b)
        raise InputError(f"feature name {i} differs: dataset.npz {names[i]!r} vs job.json {job_feature_names[i]!r}")

    y_train = _labels("y_train", raw["y_train"], xs["X_train"].shape[0], "X_train")
    y_valid = _labels("y_valid", raw["y_valid"], xs["X_valid"].shape[0], "X_valid")

    if counts is not None:
        actual = {"train": xs["X_train"].shape[0], "valid": xs["X_valid"].shape[0], "test": xs["X_test"].shape[0]}
        for part in ("train", "valid", "test"):
            if counts[part] != actual[part]:
                raise InputError(f"job.json counts.{part}={counts[part]} but dataset.npz has {actual[part]} {part} rows")

    return Dataset(xs["X_train"], xs["X_valid"], xs["X_test"], y_train, y_valid, names, ignored)


def class_counts(y: np.ndarray) -> Dict[str, int]:
    counts = np.bincount(y, minlength=NUM_CLASSES)
    return {CLASS_NAMES[i]: int(counts[i]) for i in range(NUM_CLASSES)}


@dataclass
class ProductionFeatures:
    """The champion's test features, built by the orchestrator with the champion's own feature configuration."""
    X_test: np.ndarray
    feature_names: List[str]


def load_production_features(path: str, test_rows: int) -> ProductionFeatures:
    """Reads the --production-data npz (X_test, feature_names) and checks it covers the same test rows; raises InputError."""
    try:
        npz = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise InputError(f"production data file not found: {path}") from None
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as e:
        raise InputError(f"cannot read production data {path} as .npz: {e}") from None
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise InputError(f"production data {path} is a single .npy array, not an .npz archive")
    with npz:
        missing = [k for k in ("X_test", "feature_names") if k not in npz.files]
        if missing:
            raise InputError(f"production data {path} is missing array(s) {', '.join(missing)}")
        try:
            raw_x, raw_names = npz["X_test"], npz["feature_names"]
        except (ValueError, OSError, zipfile.BadZipFile, EOFError) as e:
            raise InputError(f"production data {path}: cannot read its arrays: {e}") from None
    names = _names(raw_names)
    x = _features("production X_test", raw_x)
    if x.shape[1] != len(names):
        raise InputError(f"production X_test has {x.shape[1]} features but its feature_names has {len(names)}")
    # The comparison is only like for like when the champion predicts exactly the candidate's test bars.
    if x.shape[0] != test_rows:
        raise InputError(f"production X_test has {x.shape[0]} rows but the dataset's X_test has {test_rows}; "
                         "both must hold the same test bars")
    return ProductionFeatures(x, names)
