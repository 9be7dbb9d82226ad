"""Item 5 of #10: the trainer's training (quantlab_trainer.train.train_model with the job's shipped parameters) versus
xgboost.train called directly on the same arrays and parameters, and CPU hist versus GPU when nvidia-smi finds one.

Run with the trainer's interpreter (it needs xgboost), PYTHONPATH=python:
    trainer_bench.py --job job.json --data dataset.npz --reps 5 --out bench/out/trainer.json
Both sides build their DMatrix inside the timed region (the trainer's "train" phase does too).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time

import benchrow

import xgboost as xgb

from quantlab_trainer import train as training
from quantlab_trainer.data import load_dataset
from quantlab_trainer.device import device_params
from quantlab_trainer.job import load_job
from quantlab_trainer.outputs import TrainerLog


def timed(fn, reps):
    out = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out



def row(name, value, unit, ref_name, ref_value, target, met, notes):
    return benchrow.row("trainer", name, value, unit, ref_name, ref_value, target, met, notes, digits=4)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--job", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    job = load_job(a.job)
    ds = load_dataset(a.data, job.feature_names, job.counts)
    p = job.xgboost
    cpu = device_params(xgb.__version__, use_cuda=False, tree_method=p.tree_method)
    params = training.build_params(p, cpu)
    work = tempfile.mkdtemp(prefix="quantlab-trainer-bench-")
    log = TrainerLog()
    log.attach(os.path.join(work, "train.log"))

    def through_trainer():
        training.train_model(ds, p, cpu, log, time.monotonic(), job.max_runtime_minutes)

    def direct(device=cpu):
        direct_params = training.build_params(p, device)
        dtrain = xgb.DMatrix(ds.X_train, label=ds.y_train, feature_names=ds.feature_names)
        dvalid = xgb.DMatrix(ds.X_valid, label=ds.y_valid, feature_names=ds.feature_names)
        xgb.train(direct_params, dtrain, num_boost_round=p.num_boost_round, evals=[(dtrain, "train"), (dvalid, "valid")],
                  early_stopping_rounds=p.early_stopping_rounds if p.early_stopping_rounds > 0 else None, verbose_eval=False)

    through_trainer()  # warm-up: imports, thread pool
    trainer_s, direct_s = [], []
    for _ in range(max(1, a.reps)):  # interleaved, so background load hits both alike
        trainer_s += timed(through_trainer, 1)
        direct_s += timed(direct, 1)
    tm, dm = statistics.median(trainer_s), statistics.median(direct_s)
    shape = f"{ds.X_train.shape[0]}x{ds.X_train.shape[1]} train, {ds.X_valid.shape[0]} valid"
    knobs = f"tree_method={p.tree_method} rounds<={p.num_boost_round} early_stop={p.early_stopping_rounds} max_depth={p.max_depth} nthread={p.nthread or 'all'}"
    rows = [row("train_model (shipped params)", tm, "s", "xgboost.train direct", dm, "<= 1.05 x direct", tm <= dm * 1.05,
                f"median of {len(trainer_s)}, best {min(trainer_s):.3f} vs {min(direct_s):.3f} s; {shape}; {knobs}; xgboost {xgb.__version__}")]

    gpu = shutil.which("nvidia-smi") and subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True).returncode == 0
    if gpu:
        cuda = device_params(xgb.__version__, use_cuda=True, tree_method=p.tree_method)
        gpu_s = timed(lambda: direct(cuda), max(1, a.reps))
        rows.append(row("GPU (cuda) training", statistics.median(gpu_s), "s", "CPU hist", dm, "report", None,
                        f"median of {len(gpu_s)}; {subprocess.run(['nvidia-smi', '-L'], capture_output=True, text=True).stdout.strip()}"))
    else:
        rows.append(row("GPU (cuda) training", None, "s", "CPU hist", dm, "report", None, "no GPU here (nvidia-smi not found or found none): not measured"))

    shutil.rmtree(work, ignore_errors=True)
    with open(a.out, "w", encoding="utf-8") as f:
        json.dump(rows, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
