"""Reads and validates job.json (the C# JobSpec record, snake_case). Raises InputError on anything wrong."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from quantlab_trainer.errors import InputError

DEVICES = ("auto", "cpu", "cuda")

# Characters XGBoost refuses in feature names.
_BAD_NAME_CHARS = ("[", "]", "<")

_SHA256 = re.compile(r"^[0-9a-f]{64}$")

# The metrics the trainer accepts for early stopping on a 3-class softprob model.
EVAL_METRICS = ("mlogloss", "merror", "auc")

# CPU tree methods; the GPU is chosen with `device`, never with tree_method.
TREE_METHODS = ("hist", "approx", "exact")


@dataclass(frozen=True)
class XgbParams:
    objective: str
    num_class: int
    tree_method: str
    max_depth: int
    eta: float
    subsample: float
    colsample_bytree: float
    min_child_weight: float
    num_boost_round: int
    early_stopping_rounds: int
    eval_metric: str
    seed: int
    nthread: int


@dataclass(frozen=True)
class Outputs:
    model: str = "model.bin"
    predictions: str = "predictions.npy"
    production_predictions: str = "predictions_production.npy"
    train_metrics: str = "train_metrics.json"
    runtime: str = "runtime.json"
    log: str = "train.log"

    def all_names(self) -> List[str]:
        return [self.model, self.predictions, self.production_predictions,
                self.train_metrics, self.runtime, self.log]


@dataclass(frozen=True)
class Job:
    job_id: str
    feature_names: List[str]
    xgboost: XgbParams
    max_runtime_minutes: float
    device: str
    outputs: Outputs = field(default_factory=Outputs)
    counts: Optional[Dict[str, int]] = None
    dataset_sha256: Optional[str] = None  # None when job.json has no real sha256 (e.g. a hand-written "…")


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    return (isinstance(v, (int, float)) and not isinstance(v, bool)) and math.isfinite(v)


def _req(obj: Dict[str, Any], key: str, where: str) -> Any:
    if key not in obj or obj[key] is None:
        raise InputError(f"job.json: {where}{key} is missing")
    return obj[key]


def _int(obj: Dict[str, Any], key: str, where: str, lo: int, hi: int) -> int:
    v = _req(obj, key, where)
    if not _is_int(v) or not lo <= v <= hi:
        raise InputError(f"job.json: {where}{key} must be an integer in [{lo}, {hi}], got {v!r}")
    return v


def _num(obj: Dict[str, Any], key: str, where: str, lo: float, hi: float, lo_open: bool = False) -> float:
    v = _req(obj, key, where)
    ok = _is_num(v) and (v > lo if lo_open else v >= lo) and v <= hi
    if not ok:
        interval = f"{'(' if lo_open else '['}{lo}, {hi}]"
        raise InputError(f"job.json: {where}{key} must be a number in {interval}, got {v!r}")
    return float(v)


def _str(obj: Dict[str, Any], key: str, where: str, allowed: Optional[tuple] = None) -> str:
    v = _req(obj, key, where)
    if not isinstance(v, str) or not v:
        raise InputError(f"job.json: {where}{key} must be a non-empty string, got {v!r}")
    if allowed is not None and v not in allowed:
        raise InputError(f"job.json: {where}{key} must be one of {', '.join(allowed)}, got {v!r}")
    return v


def parse_xgboost(obj: Any) -> XgbParams:
    if not isinstance(obj, dict):
        raise InputError("job.json: xgboost must be an object")
    known = set(XgbParams.__dataclass_fields__)
    unknown = sorted(set(obj) - known)
    if unknown:
        # A parameter the trainer silently ignored would make the model differ from its config_hash.
        raise InputError(f"job.json: xgboost has unknown key(s) {', '.join(unknown)}; the trainer does not apply them")
    w = "xgboost."
    objective = _str(obj, "objective", w)
    if objective != "multi:softprob":
        raise InputError(f"job.json: xgboost.objective must be multi:softprob (class probabilities), got {objective!r}")
    tree_method = _str(obj, "tree_method", w)
    if tree_method not in TREE_METHODS:
        hint = " (choose the GPU with device=cuda, not tree_method)" if "gpu" in tree_method else ""
        raise InputError(f"job.json: xgboost.tree_method must be one of {', '.join(TREE_METHODS)}, got {tree_method!r}{hint}")
    return XgbParams(
        objective=objective,
        num_class=_int(obj, "num_class", w, 3, 3),
        tree_method=tree_method,
        max_depth=_int(obj, "max_depth", w, 1, 32),
        eta=_num(obj, "eta", w, 0.0, 1.0, lo_open=True),
        subsample=_num(obj, "subsample", w, 0.0, 1.0, lo_open=True),
        colsample_bytree=_num(obj, "colsample_bytree", w, 0.0, 1.0, lo_open=True),
        min_child_weight=_num(obj, "min_child_weight", w, 0.0, 1e9),
        num_boost_round=_int(obj, "num_boost_round", w, 1, 100_000),
        early_stopping_rounds=_int(obj, "early_stopping_rounds", w, 0, 100_000),
        eval_metric=_str(obj, "eval_metric", w, EVAL_METRICS),
        seed=_int(obj, "seed", w, -(2**31), 2**31 - 1),
        nthread=_int(obj, "nthread", w, 0, 4096),
    )


def _parse_outputs(obj: Any) -> Outputs:
    if obj is None:
        return Outputs()
    if not isinstance(obj, dict):
        raise InputError("job.json: outputs must be an object")
    defaults = Outputs()
    values = {}
    for key in Outputs.__dataclass_fields__:
        v = obj.get(key)
        if v is None:
            v = getattr(defaults, key)
        if (not isinstance(v, str) or not v or "/" in v or "\\" in v or v in (".", "..") or v.startswith(".")):
            raise InputError(f"job.json: outputs.{key} must be a plain file name, got {v!r}")
        values[key] = v
    out = Outputs(**values)
    if len(set(out.all_names())) != len(out.all_names()):
        raise InputError("job.json: outputs file names must be distinct")
    return out


def parse_feature_names(v: Any) -> List[str]:
    if not isinstance(v, list) or not v:
        raise InputError("job.json: feature_names must be a non-empty list of strings")
    for i, name in enumerate(v):
        if not isinstance(name, str) or not name:
            raise InputError(f"job.json: feature_names[{i}] must be a non-empty string, got {name!r}")
        if any(c in name for c in _BAD_NAME_CHARS):
            raise InputError(f"job.json: feature_names[{i}] {name!r} contains one of [ ] < (XGBoost refuses them)")
    seen = set()
    for name in v:
        if name in seen:
            raise InputError(f"job.json: feature name {name!r} appears twice")
        seen.add(name)
    return list(v)


def parse_job(doc: Any) -> Job:
    if not isinstance(doc, dict):
        raise InputError("job.json: top level must be an object")
    version = doc.get("schema_version")
    if version != 1:
        raise InputError(f"job.json: schema_version must be 1, got {version!r}")
    job_id = _str(doc, "job_id", "")
    runtime = _req(doc, "runtime", "")
    if not isinstance(runtime, dict):
        raise InputError("job.json: runtime must be an object")
    max_minutes = _num(runtime, "max_runtime_minutes", "runtime.", 0.0, 7 * 24 * 60, lo_open=True)

    counts = doc.get("counts")
    if counts is not None:
        if not isinstance(counts, dict):
            raise InputError("job.json: counts must be an object")
        counts = {k: _int(counts, k, "counts.", 0, 2**62) for k in ("train", "valid", "test")}

    sha = doc.get("dataset_sha256")
    sha = sha.lower() if isinstance(sha, str) and _SHA256.match(sha.lower()) else None

    return Job(
        job_id=job_id,
        feature_names=parse_feature_names(doc.get("feature_names")),
        xgboost=parse_xgboost(_req(doc, "xgboost", "")),
        max_runtime_minutes=max_minutes,
        device=_str(doc, "device", "", DEVICES),
        outputs=_parse_outputs(doc.get("outputs")),
        counts=counts,
        dataset_sha256=sha,
    )


def load_job(path: str) -> Job:
    try:
        with open(path, "r", encoding="utf-8") as f:
            doc = json.load(f)
    except FileNotFoundError:
        raise InputError(f"job file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"cannot read job file {path}: {e}") from None
    except json.JSONDecodeError as e:
        raise InputError(f"job.json is not valid JSON: {e}") from None
    return parse_job(doc)
