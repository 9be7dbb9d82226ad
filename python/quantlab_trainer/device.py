"""Device choice: the one place that knows how XGBoost 1.7 and 2.x/3.x spell "train on the GPU".

XGBoost 1.7 uses ``tree_method=gpu_hist``; 2.0 and later use ``device=cuda`` with ``tree_method=hist``.
XGBoost >= 2.0 silently falls back to the CPU (a warning only) when ``device=cuda`` cannot be honoured,
so usability is decided from the device a trained booster reports in its own config, not from the
absence of an exception.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple

import numpy as np

from quantlab_trainer.errors import DeviceUnavailable


def parse_version(version: str) -> Tuple[int, int]:
    """'1.7.4' -> (1, 7); '2.1.0rc1' -> (2, 1); '3.0.0-dev' -> (3, 0)."""
    m = re.match(r"^\s*(\d+)\.(\d+)", version)
    if not m:
        raise ValueError(f"cannot parse XGBoost version {version!r}")
    return int(m.group(1)), int(m.group(2))


def device_params(xgb_version: str, use_cuda: bool, tree_method: str = "hist") -> Dict[str, str]:
    """XGBoost parameters that select the device, for the given XGBoost version.

    tree_method is the job's CPU tree method (hist, approx, exact); on the GPU the trainer always uses
    the histogram method, the only one the brief supports on both versions.
    """
    major, minor = parse_version(xgb_version)
    if (major, minor) < (1, 7):
        raise ValueError(f"XGBoost {xgb_version} is not supported (need >= 1.7)")
    if major == 1:
        return {"tree_method": "gpu_hist" if use_cuda else tree_method}
    return {"device": "cuda" if use_cuda else "cpu", "tree_method": "hist" if use_cuda else tree_method}


def effective_device(config: Dict[str, Any]) -> str:
    """'cuda' or 'cpu': where a booster actually trains, read from ``json.loads(booster.save_config())``."""
    learner = config.get("learner", {})
    generic = learner.get("generic_param", {})
    if "device" in generic:  # XGBoost >= 2.0 writes the resolved device, e.g. "cuda:0" or "cpu"
        dev = str(generic["device"])
        return "cuda" if dev.startswith(("cuda", "gpu")) else "cpu"
    # XGBoost 1.7: the GPU is used when the updater is gpu_hist and a device id was assigned
    tree_method = learner.get("gradient_booster", {}).get("gbtree_train_param", {}).get("tree_method")
    try:
        gpu_id = int(generic.get("gpu_id", -1))
    except (TypeError, ValueError):
        gpu_id = -1
    return "cuda" if tree_method == "gpu_hist" and gpu_id >= 0 else "cpu"


def booster_device(booster: Any) -> str:
    return effective_device(json.loads(booster.save_config()))


def first_line(text: Any, limit: int = 300) -> str:
    """One line of an exception/tool message: XGBoost errors carry a '[hh:mm:ss] file:line: ' prefix and a stack."""
    s = str(text).strip()
    line = s.splitlines()[0] if s else ""
    line = re.sub(r"^\[\d\d:\d\d:\d\d\]\s+\S+:\d+:\s*", "", line)
    return line[:limit] if line else type(text).__name__


def nvidia_smi_gpus(timeout_s: float = 20.0) -> Tuple[Optional[str], str]:
    """(name of the first GPU, '') when nvidia-smi lists one, else (None, why not)."""
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return None, "nvidia-smi not found on PATH"
    try:
        r = subprocess.run([smi, "--query-gpu=name", "--format=csv,noheader"],
                           capture_output=True, text=True, timeout=timeout_s)
    except (OSError, subprocess.SubprocessError) as e:
        return None, f"nvidia-smi failed: {first_line(e)}"
    if r.returncode != 0:
        return None, f"nvidia-smi exited {r.returncode}: {first_line(r.stderr or r.stdout)}"
    names = [line.strip() for line in r.stdout.splitlines() if line.strip()]
    if not names:
        return None, "nvidia-smi lists no GPU"
    return names[0], ""


def probe_gpu(xgb: Any) -> Tuple[bool, Optional[str], str]:
    """(usable, gpu name, reason). Cheap presence check first, then a tiny real training on the GPU config."""
    name, why = nvidia_smi_gpus()
    if name is None:
        return False, None, why
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3)).astype(np.float32)
    y = (np.arange(64) % 3).astype(np.float32)
    params = {"objective": "multi:softprob", "num_class": 3, "max_depth": 2, "verbosity": 0}
    params.update(device_params(xgb.__version__, use_cuda=True))
    try:
        booster = xgb.train(params, xgb.DMatrix(X, label=y), num_boost_round=2)
        used = booster_device(booster)
    except Exception as e:  # XGBoostError mostly; any failure means "not usable"
        return False, name, f"XGBoost {xgb.__version__} cannot train on {name}: {first_line(e)}"
    if used != "cuda":
        return False, name, f"XGBoost {xgb.__version__} fell back to the CPU on {name} (built without CUDA or GPU not visible)"
    return True, name, f"tiny training on {name} succeeded"


@dataclass(frozen=True)
class DeviceChoice:
    requested: str  # auto | cpu | cuda
    used: str  # cpu | cuda
    gpu_name: Optional[str]
    reason: str
    params: Dict[str, str]


def resolve_device(requested: str, xgb: Any, tree_method: str, probe=probe_gpu) -> DeviceChoice:
    """Picks the device; raises DeviceUnavailable when cuda is requested and no GPU is usable."""
    version = xgb.__version__
    if requested == "cpu":
        return DeviceChoice("cpu", "cpu", None, "cpu requested", device_params(version, False, tree_method))
    usable, name, why = probe(xgb)
    if usable:
        return DeviceChoice(requested, "cuda", name, why, device_params(version, True, tree_method))
    if requested == "cuda":
        raise DeviceUnavailable(f"device cuda requested but no usable GPU: {why}")
    return DeviceChoice(requested, "cpu", name, f"no usable GPU: {why}", device_params(version, False, tree_method))
