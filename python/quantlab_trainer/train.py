"""Training, prediction and production re-scoring with real XGBoost (1.7, 2.x, 3.x)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np
import xgboost as xgb

from quantlab_trainer.data import NUM_CLASSES, Dataset, class_counts
from quantlab_trainer.device import booster_device, first_line
from quantlab_trainer.errors import RuntimeExceeded
from quantlab_trainer.job import XgbParams
from quantlab_trainer.outputs import TrainerLog

PROGRESS_EVERY = 10  # rounds between progress lines in train.log


def build_params(p: XgbParams, device_params: Dict[str, str]) -> Dict[str, Any]:
    """The parameter dict handed to xgboost.train. mlogloss is always evaluated; the job's eval_metric
    comes last because early stopping watches the last metric of the last eval set (valid)."""
    params: Dict[str, Any] = {
        "objective": p.objective,
        "num_class": p.num_class,
        "max_depth": p.max_depth,
        "eta": p.eta,
        "subsample": p.subsample,
        "colsample_bytree": p.colsample_bytree,
        "min_child_weight": p.min_child_weight,
        "seed": p.seed,
        "eval_metric": ["mlogloss"] if p.eval_metric == "mlogloss" else ["mlogloss", p.eval_metric],
        "verbosity": 1,
    }
    if p.nthread > 0:  # 0 = XGBoost's default, every core
        params["nthread"] = p.nthread
    params.update(device_params)
    return params


def format_minutes(minutes: float) -> str:
    return str(int(minutes)) if float(minutes).is_integer() else f"{minutes:g}"


class ProgressCallback(xgb.callback.TrainingCallback):
    """Logs train/valid metrics every PROGRESS_EVERY rounds and aborts past the runtime limit."""

    def __init__(self, log: TrainerLog, total_rounds: int, metrics: List[str], started: float,
                 max_minutes: float, every: int = PROGRESS_EVERY, clock: Callable[[], float] = time.monotonic):
        super().__init__()
        self.log = log
        self.total = total_rounds
        self.metrics = metrics
        self.started = started
        self.max_minutes = max_minutes
        self.every = max(1, every)
        self.clock = clock
        self.last_logged = 0

    def progress_line(self, rounds_done: int, evals_log: Dict[str, Dict[str, List[float]]], elapsed: float) -> str:
        parts = [f"progress round {rounds_done}/{self.total}"]
        for data in ("train", "valid"):
            for metric in self.metrics:
                values = evals_log.get(data, {}).get(metric)
                if values:
                    parts.append(f"{data}-{metric}={float(values[-1]):.6f}")
        parts.append(f"elapsed={elapsed:.1f}s")
        return " ".join(parts)

    def after_iteration(self, model: Any, epoch: int, evals_log: Dict[str, Dict[str, List[float]]]) -> bool:
        rounds_done = epoch + 1
        elapsed = self.clock() - self.started
        if rounds_done == 1 or rounds_done % self.every == 0 or rounds_done == self.total:
            self.log.info(self.progress_line(rounds_done, evals_log, elapsed))
            self.last_logged = rounds_done
        if elapsed > self.max_minutes * 60.0:
            if self.last_logged != rounds_done:
                self.log.info(self.progress_line(rounds_done, evals_log, elapsed))
            raise RuntimeExceeded(f"trainer exceeded {format_minutes(self.max_minutes)} min")
        return False


@dataclass
class TrainResult:
    booster: Any  # the model cut at the best iteration: the one saved and used for predictions
    rounds_trained: int
    best_iteration: int
    best_score: float
    history: Dict[str, Dict[str, List[float]]]
    params: Dict[str, Any]
    device_used: str  # read back from the trained booster's config


def dmatrix(X: np.ndarray, feature_names: Optional[List[str]], label: Optional[np.ndarray] = None,
            nthread: int = 0) -> Any:
    return xgb.DMatrix(X, label=label, feature_names=feature_names, nthread=nthread if nthread > 0 else None)


def train_model(ds: Dataset, p: XgbParams, device_params: Dict[str, str], log: TrainerLog,
                started: float, max_minutes: float) -> TrainResult:
    params = build_params(p, device_params)
    log.info("xgboost params " + " ".join(f"{k}={v}" for k, v in params.items())
             + f" num_boost_round={p.num_boost_round} early_stopping_rounds={p.early_stopping_rounds}")
    dtrain = dmatrix(ds.X_train, ds.feature_names, ds.y_train, p.nthread)
    dvalid = dmatrix(ds.X_valid, ds.feature_names, ds.y_valid, p.nthread)
    history: Dict[str, Dict[str, List[float]]] = {}
    callback = ProgressCallback(log, p.num_boost_round, params["eval_metric"], started, max_minutes)
    booster = xgb.train(
        params,
        dtrain,
        num_boost_round=p.num_boost_round,
        evals=[(dtrain, "train"), (dvalid, "valid")],
        early_stopping_rounds=p.early_stopping_rounds if p.early_stopping_rounds > 0 else None,
        evals_result=history,
        verbose_eval=False,
        callbacks=[callback],
    )
    # rounds actually trained, from the per-round history (does not depend on what xgb.train returns)
    rounds = len(history["valid"]["mlogloss"])
    if p.early_stopping_rounds > 0:
        best = int(booster.best_iteration)
    else:
        best = rounds - 1
    # Save and predict with the model cut at the best iteration, so any reader (Booster.predict with
    # defaults, another XGBoost version) gets the early-stopped model without knowing best_iteration.
    best_model = booster[: best + 1] if best + 1 < booster.num_boosted_rounds() else booster
    valid_scores = history["valid"][p.eval_metric]
    best_score = float(valid_scores[best])
    log.info(f"training done rounds_trained={rounds} best_iteration={best} "
             f"best valid-{p.eval_metric}={best_score:.6f} model_rounds={best + 1}")
    return TrainResult(best_model, rounds, best, best_score, history, params, booster_device(booster))


def predict_proba(booster: Any, X: np.ndarray, feature_names: Optional[List[str]]) -> np.ndarray:
    """Class probabilities (rows x 3, float32). The booster is already cut at its best iteration."""
    pred = np.asarray(booster.predict(dmatrix(X, feature_names)), dtype=np.float32)
    if pred.ndim != 2 or pred.shape != (X.shape[0], NUM_CLASSES):
        raise ValueError(f"model predicts shape {pred.shape}, expected ({X.shape[0]}, {NUM_CLASSES})")
    return pred


def importance(booster: Any, feature_names: List[str], kind: str) -> Dict[str, float]:
    scores = booster.get_score(importance_type=kind)
    return {name: float(scores.get(name, 0.0)) for name in feature_names}


def train_metrics(result: TrainResult, ds: Dataset, p: XgbParams) -> Dict[str, Any]:
    return {
        "best_iteration": result.best_iteration,
        "best_score": result.best_score,
        "eval_metric": p.eval_metric,
        "rounds_trained": result.rounds_trained,
        "model_rounds": result.best_iteration + 1,
        "num_boost_round": p.num_boost_round,
        "early_stopping_rounds": p.early_stopping_rounds,
        "stopped_early": result.rounds_trained < p.num_boost_round,
        "train_mlogloss": [float(v) for v in result.history["train"]["mlogloss"]],
        "valid_mlogloss": [float(v) for v in result.history["valid"]["mlogloss"]],
        "history": result.history,
        "feature_importance_gain": importance(result.booster, ds.feature_names, "gain"),
        "feature_importance_total_gain": importance(result.booster, ds.feature_names, "total_gain"),
        "class_counts": {"train": class_counts(ds.y_train), "valid": class_counts(ds.y_valid)},
        "rows": {"train": int(ds.X_train.shape[0]), "valid": int(ds.X_valid.shape[0]), "test": int(ds.X_test.shape[0])},
        "n_features": ds.n_features,
        "xgboost_params": result.params,
    }


def load_booster(path: str) -> Tuple[Optional[Any], str]:
    """(booster, '') or (None, why it failed)."""
    try:
        # From bytes, not by path: XGBoost >= 3.1 warns "Unknown file format" for a path without .json/.ubj, and the
        # bytes say their format themselves (1.7 reads them the same way).
        with open(path, "rb") as f:
            raw = bytearray(f.read())
        booster = xgb.Booster()
        booster.load_model(raw)
        return booster, ""
    except Exception as e:  # XGBoostError for corrupt files or models from a newer XGBoost
        return None, f"cannot load production model with XGBoost {xgb.__version__}: {first_line(e)}"


_UBJ_INT = {b"i": (1, True), b"U": (1, False), b"I": (2, True), b"l": (4, True), b"L": (8, True)}


def model_version(path: str) -> Optional[str]:
    """The XGBoost version that wrote a saved model ("3.1.2"), read from the file itself (JSON or UBJSON); None when
    the file does not say. Needed because a model written by XGBoost >= 3.1 loads into 1.7/3.0 without an error but with
    its multiclass intercept reset, so a re-score by another major.minor is not like for like."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
        if raw[:1] == b"{" and raw[1:2] in (b'"', b" ", b"\n"):
            v = json.loads(raw.decode("utf-8")).get("version")
            return ".".join(str(int(x)) for x in v) if isinstance(v, list) else None
        i = raw.find(b"version")
        if i < 0 or raw[i + 7:i + 8] != b"[":
            return None
        pos, typed, count = i + 8, None, None

        def read_int(marker: bytes, at: int) -> Tuple[int, int]:
            size, signed = _UBJ_INT[marker]
            return int.from_bytes(raw[at:at + size], "big", signed=signed), at + size
        if raw[pos:pos + 1] == b"$":
            typed, pos = raw[pos + 1:pos + 2], pos + 2
        if raw[pos:pos + 1] == b"#":
            count, pos = read_int(raw[pos + 1:pos + 2], pos + 2)
        parts: List[int] = []
        while len(parts) < (count if count is not None else 3):
            marker = typed
            if marker is None:
                marker, pos = raw[pos:pos + 1], pos + 1
            if marker not in _UBJ_INT:
                break
            value, pos = read_int(marker, pos)
            parts.append(value)
        return ".".join(str(x) for x in parts) if len(parts) >= 2 else None
    except (OSError, ValueError, KeyError, AttributeError):
        return None


def same_minor(a: Optional[str], b: Optional[str]) -> Optional[bool]:
    """True when two versions share major.minor; None when either is unknown."""
    if not a or not b:
        return None
    return a.split(".")[:2] == b.split(".")[:2]


def rescore_production(booster: Any, ds: Dataset, device_params: Dict[str, str],
                       features: Optional[Any] = None) -> Tuple[Optional[np.ndarray], str, str]:
    """(predictions or None, status ok|skipped|failed, reason) for the production model on the test rows: the
    dataset's X_test, or the champion's own test features when the orchestrator built them (--production-data)."""
    X, names_in, what = ds.X_test, ds.feature_names, "this dataset"
    if features is not None:
        X, names_in, what = features.X_test, features.feature_names, "the production data"
    n_in = int(X.shape[1])
    n = int(booster.num_features())
    if n != n_in:
        return None, "skipped", f"production model has {n} features, {what} has {n_in}"
    names = booster.feature_names
    if names is not None and list(names) != names_in:
        i = next(i for i, (a, b) in enumerate(zip(names, names_in)) if a != b)
        return None, "skipped", f"production model feature {i} is {names[i]!r}, {what} has {names_in[i]!r}"
    if "device" in device_params:  # XGBoost >= 2.0: predict where we trained
        booster.set_param({"device": device_params["device"]})
    try:
        pred = predict_proba(booster, X, names_in if names is not None else None)
    except Exception as e:
        return None, "failed", f"production model prediction failed: {first_line(e)}"
    source = "its own test features (--production-data)" if features is not None else "the dataset's X_test"
    return pred, "ok", f"production model re-scored on {pred.shape[0]} test rows with {source}"
