"""Helpers that build job.json and dataset.npz exactly in the orchestrator's format, small and fast."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import numpy as np
import pytest

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if PYTHON_DIR not in sys.path:
    sys.path.insert(0, PYTHON_DIR)

FEATURES = ["ret_1", "ret_5", "vol_10", "imb_10", "noise"]

BASE_JOB: Dict[str, Any] = {
    "schema_version": 1,
    "job_id": "job-testusdt-20260115-000000000000",
    "symbol": "testusdt",
    "exchange": "binance",
    "stream": "bbo",
    "date": "2026-01-15",
    "window_days": 1,
    "partitions": [],
    "dataset": {},
    "dataset_sha256": "…",
    "feature_names": FEATURES,
    "counts": None,
    "xgboost": {"objective": "multi:softprob", "num_class": 3, "tree_method": "hist", "max_depth": 3,
                "eta": 0.3, "subsample": 0.8, "colsample_bytree": 0.8, "min_child_weight": 1.0,
                "num_boost_round": 40, "early_stopping_rounds": 5, "eval_metric": "mlogloss",
                "seed": 42, "nthread": 1},
    "runtime": {"max_runtime_minutes": 60},
    "device": "auto",
    "config_hash": "…",
    "outputs": {"model": "model.bin", "predictions": "predictions.npy",
                "production_predictions": "predictions_production.npy", "train_metrics": "train_metrics.json",
                "runtime": "runtime.json", "log": "train.log"},
}


def make_split(n: int, n_features: int, rng: np.random.Generator):
    """Label truly depends on feature 0 (plus a little on feature 1, and noise); feature 1 has NaNs."""
    X = rng.normal(size=(n, n_features)).astype(np.float32)
    score = X[:, 0] + 0.3 * X[:, 1] + rng.normal(scale=0.3, size=n)
    y = np.where(score < -0.5, 0, np.where(score > 0.5, 2, 1)).astype(np.int32)
    X[rng.random(n) < 0.05, 1] = np.nan
    return X, y


@dataclass
class Case:
    arrays: Dict[str, np.ndarray]
    y_test: np.ndarray  # kept out of the npz, like the orchestrator does


def make_case(n_train=600, n_valid=200, n_test=300, n_features=len(FEATURES), seed=7) -> Case:
    rng = np.random.default_rng(seed)
    X_train, y_train = make_split(n_train, n_features, rng)
    X_valid, y_valid = make_split(n_valid, n_features, rng)
    X_test, y_test = make_split(n_test, n_features, rng)
    names = FEATURES if n_features == len(FEATURES) else [f"f{i}" for i in range(n_features)]
    arrays = {"X_train": X_train, "X_valid": X_valid, "X_test": X_test, "y_train": y_train,
              "y_valid": y_valid, "feature_names": np.array(names, dtype=np.str_)}
    return Case(arrays, y_test)


def write_npz(path: str, arrays: Dict[str, np.ndarray]) -> str:
    with open(path, "wb") as f:
        np.savez(f, **arrays)
    return path


def write_job(path: str, **overrides: Any) -> str:
    job = copy.deepcopy(BASE_JOB)
    for key, value in overrides.items():
        if key in ("xgboost", "runtime", "outputs") and isinstance(value, dict):
            job[key].update(value)
        else:
            job[key] = value
    with open(path, "w", encoding="utf-8") as f:
        json.dump(job, f, ensure_ascii=False)
    return path


def sha256(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def run_cli(args: List[str], cwd: Optional[str] = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = PYTHON_DIR + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run([sys.executable, "-m", "quantlab_trainer", *args], capture_output=True, text=True,
                          env=env, cwd=cwd or PYTHON_DIR, timeout=120)


@pytest.fixture(scope="session")
def case() -> Case:
    return make_case()


@dataclass
class Files:
    job: str
    data: str
    out: str


@pytest.fixture()
def files(tmp_path, case) -> Files:
    data = write_npz(str(tmp_path / "dataset.npz"), case.arrays)
    job = write_job(str(tmp_path / "job.json"), dataset_sha256=sha256(data),
                    counts={"train": 600, "valid": 200, "test": 300})
    return Files(job, data, str(tmp_path / "out"))
