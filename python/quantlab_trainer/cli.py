"""Command line: python -m quantlab_trainer --job job.json --data dataset.npz --out DIR
[--production-model PATH [--production-data PATH]] [--device auto|cpu|cuda].

Exit codes: 0 ok, 1 unexpected failure, 2 bad input, 3 cuda requested but no usable GPU,
4 runtime.max_runtime_minutes exceeded. Every failure prints ONE line "error: <reason>" on stderr;
the full traceback of an unexpected failure goes only into train.log.
XGBoost is imported only after job.json and dataset.npz have been validated.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import socket
import sys
import time
import traceback
import warnings
from typing import Any, Dict, Iterator, List, Optional

import numpy as np

from quantlab_trainer import __version__
from quantlab_trainer.data import load_dataset, load_production_features, sha256_file
from quantlab_trainer.device import first_line, resolve_device
from quantlab_trainer.errors import EXIT_OK, EXIT_UNEXPECTED, DeviceUnavailable, InputError, TrainerError
from quantlab_trainer.job import DEVICES, Outputs, load_job
from quantlab_trainer.outputs import (TrainerLog, utc_now_iso, write_bytes_atomic, write_json_atomic,
                                      write_npy_atomic)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, no usage block
        raise InputError(f"usage: {message}")


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    p = _Parser(prog="python -m quantlab_trainer", description="quantlab-ml XGBoost trainer")
    p.add_argument("--job", required=True, help="job.json written by the orchestrator")
    p.add_argument("--data", required=True, help="dataset.npz")
    p.add_argument("--out", required=True, help="output folder (created if missing)")
    p.add_argument("--production-model", default=None, help="production model.bin to re-score on X_test")
    p.add_argument("--production-data", default=None,
                   help="npz with X_test and feature_names: the same test rows built with the production model's own features")
    p.add_argument("--device", choices=DEVICES, default=None, help="overrides job.json device")
    return p.parse_args(argv)


def process_startup_seconds() -> Optional[float]:
    """Seconds from this process's start to now: the interpreter and the imports before main(). From /proc; None elsewhere."""
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        with open("/proc/uptime", encoding="ascii") as f:
            uptime = float(f.read().split()[0])
        return max(0.0, round(uptime - int(fields[19]) / os.sysconf("SC_CLK_TCK"), 3))  # field 22: starttime in ticks
    except (OSError, ValueError, IndexError):
        return None


def peak_rss_mb() -> Optional[float]:
    try:
        import resource
    except ImportError:  # not on Linux/macOS
        return None
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes
    return round(kb / (1024.0 * 1024.0) if sys.platform == "darwin" else kb / 1024.0, 1)


@contextlib.contextmanager
def warnings_into(log: TrainerLog) -> Iterator[None]:
    """Python warnings (XGBoost >= 2 reports its C++ warnings this way) go to train.log, not stderr."""
    previous = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):  # noqa: ANN001
        log.warning(f"{category.__name__}: {first_line(message, 1000)}")

    warnings.showwarning = show
    try:
        yield
    finally:
        warnings.showwarning = previous


def prepare_out_dir(path: str) -> str:
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as e:
        raise InputError(f"cannot create output folder {path}: {e.strerror or e}") from None
    if not os.access(path, os.W_OK):
        raise InputError(f"output folder {path} is not writable")
    return path


def remove_stale_outputs(out_dir: str, outputs: Outputs) -> List[str]:
    """A failed run must never leave a previous run's outputs looking like its own."""
    removed = []
    for name in outputs.all_names():
        if name == outputs.log:  # truncated when the log is opened
            continue
        target = os.path.join(out_dir, name)
        if os.path.isfile(target) or os.path.islink(target):
            os.remove(target)
            removed.append(name)
    return removed


class Timer:
    def __init__(self) -> None:
        self.seconds: Dict[str, float] = {}

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        t = time.monotonic()
        try:
            yield
        finally:
            self.seconds[name] = round(self.seconds.get(name, 0.0) + time.monotonic() - t, 3)


def run(args: argparse.Namespace, log: TrainerLog, started: float, started_utc: str, state: Dict[str, Any]) -> int:
    timer = Timer()
    out_dir = prepare_out_dir(args.out)
    state["out_dir"] = out_dir
    with timer.phase("load"):
        job = load_job(args.job)
        removed = remove_stale_outputs(out_dir, job.outputs)
        log.attach(os.path.join(out_dir, job.outputs.log))
        if removed:
            log.info(f"removed stale outputs from a previous run: {', '.join(removed)}")
        device_requested = args.device or job.device
        log.info(f"job {job.job_id} device requested {device_requested}"
                 + (" (--device overrides job.json)" if args.device else "")
                 + f" max_runtime_minutes={job.max_runtime_minutes:g}")
        if args.production_model is not None and not os.path.isfile(args.production_model):
            raise InputError(f"production model not found: {args.production_model}")
        if args.production_data is not None and args.production_model is None:
            raise InputError("--production-data needs --production-model (the model that predicts it)")
        try:
            dataset_sha = sha256_file(args.data)
        except FileNotFoundError:
            raise InputError(f"dataset file not found: {args.data}") from None
        except OSError as e:
            raise InputError(f"cannot read dataset {args.data}: {e.strerror or e}") from None
        if job.dataset_sha256 is not None and dataset_sha != job.dataset_sha256:
            raise InputError(f"dataset sha256 {dataset_sha} does not match job.json dataset_sha256 {job.dataset_sha256}")
        if job.dataset_sha256 is None:
            log.warning("job.json dataset_sha256 is not a sha256; dataset identity not verified")
        ds = load_dataset(args.data, job.feature_names, job.counts)
        log.info(f"dataset {args.data} sha256={dataset_sha} features={ds.n_features} rows "
                 f"train={ds.X_train.shape[0]} valid={ds.X_valid.shape[0]} test={ds.X_test.shape[0]}")
        production_features = None
        if args.production_data is not None:
            production_features = load_production_features(args.production_data, ds.X_test.shape[0])
            log.info(f"production data {args.production_data} features={len(production_features.feature_names)} "
                     f"rows={production_features.X_test.shape[0]}")
        if ds.ignored_keys:
            log.warning(f"dataset.npz has extra arrays the trainer ignores: {', '.join(ds.ignored_keys)}")
        nan_share = float(np.isnan(ds.X_train).mean())
        if nan_share > 0:
            log.info(f"X_train missing values (NaN): {nan_share:.4%}")

        try:
            import xgboost as xgb
            from quantlab_trainer import train as training
        except ImportError as e:
            raise TrainerError(f"cannot import xgboost: {first_line(e)}") from e
        log.info(f"python {platform.python_version()} xgboost {xgb.__version__} numpy {np.__version__}")

    with timer.phase("device_probe"):
        choice = resolve_device(device_requested, xgb, job.xgboost.tree_method)
    log.info(f"device used {choice.used} ({choice.reason})" + (f" gpu {choice.gpu_name}" if choice.gpu_name else ""))

    production = None
    rescore = {"status": "not_requested", "reason": "no --production-model given"}
    if args.production_model is not None:
        with timer.phase("load"):
            production, why = training.load_booster(args.production_model)
        if production is None:
            rescore = {"status": "failed", "reason": why}
            log.warning(why)

    with timer.phase("train"):
        result = training.train_model(ds, job.xgboost, choice.params, log, started, job.max_runtime_minutes)
    device_used, device_reason = choice.used, choice.reason
    if result.device_used != choice.used:
        msg = f"XGBoost trained on {result.device_used} although {choice.used} was configured"
        if device_requested == "cuda":
            raise DeviceUnavailable(f"device cuda requested but no usable GPU: {msg}")
        log.warning(msg)
        device_used, device_reason = result.device_used, msg

    with timer.phase("predict"):
        predictions = training.predict_proba(result.booster, ds.X_test, ds.feature_names)
    production_predictions = None
    if production is not None:
        with timer.phase("production_rescore"):
            production_predictions, status, reason = training.rescore_production(production, ds, choice.params,
                                                                                       production_features)
        rescore = {"status": status, "reason": reason}
        (log.info if status == "ok" else log.warning)(f"production re-score {status}: {reason}")
    if args.production_model is not None:
        # Who wrote the champion and who re-scored it: only the same major.minor gives a like-for-like score.
        written_by = training.model_version(args.production_model)
        rescore.update(model_xgboost_version=written_by, scorer_xgboost_version=xgb.__version__,
                       like_for_like=training.same_minor(written_by, xgb.__version__))

    with timer.phase("write"):
        o = job.outputs
        write_bytes_atomic(os.path.join(out_dir, o.model), bytes(result.booster.save_raw("ubj")))
        write_npy_atomic(os.path.join(out_dir, o.predictions), predictions)
        if production_predictions is not None:
            write_npy_atomic(os.path.join(out_dir, o.production_predictions), production_predictions)
        metrics = training.train_metrics(result, ds, job.xgboost)
        write_json_atomic(os.path.join(out_dir, o.train_metrics), metrics)

    total = round(time.monotonic() - started, 3)
    runtime = {
        "status": "ok",
        "job_id": job.job_id,
        "trainer_version": __version__,
        "python_version": platform.python_version(),
        "xgboost_version": xgb.__version__,
        "numpy_version": np.__version__,
        "device_requested": device_requested,
        "device_used": device_used,
        "device_reason": device_reason,
        "gpu_name": choice.gpu_name if device_used == "cuda" else None,
        "hostname": socket.gethostname(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "nthread": job.xgboost.nthread,
        "started_utc": started_utc,
        "finished_utc": utc_now_iso(),
        "durations_seconds": {
            "load": timer.seconds.get("load", 0.0),
            "device_probe": timer.seconds.get("device_probe", 0.0),
            "train": timer.seconds.get("train", 0.0),
            "predict": timer.seconds.get("predict", 0.0),
            "production_rescore": timer.seconds.get("production_rescore", 0.0),
            "write": timer.seconds.get("write", 0.0),
            "total": total,
            # Before main(): the interpreter's start and its first imports, so "process" is the trainer's whole cost.
            "startup": state.get("startup") or 0.0,
            "process": round(total + (state.get("startup") or 0.0), 3),
        },
        "peak_rss_mb": peak_rss_mb(),
        "dataset_sha256": dataset_sha,
        "dataset_sha256_verified": job.dataset_sha256 is not None,
        "production_rescore": rescore,
        "outputs": {k: getattr(o, k) for k in Outputs.__dataclass_fields__},
    }
    write_json_atomic(os.path.join(out_dir, o.runtime), runtime)  # last JSON: its presence means "complete"
    log.info(f"done in {total:.1f}s: best_iteration={result.best_iteration} "
             f"valid-{job.xgboost.eval_metric}={result.best_score:.6f} device={device_used}")
    print(f"ok: job {job.job_id} device {device_used} best_iteration {result.best_iteration} "
          f"valid {job.xgboost.eval_metric} {result.best_score:.6f} -> {out_dir}", flush=True)
    return EXIT_OK


def _fail(log: TrainerLog, state: Dict[str, Any], code: int, message: str) -> int:
    line = " ".join(str(message).split())  # exactly one line
    if not log.attached and state.get("out_dir"):
        # job.json unusable, so its output names are unknown: clear the default-named outputs and
        # still leave a log in the default place.
        with contextlib.suppress(OSError):
            remove_stale_outputs(state["out_dir"], Outputs())
            log.attach(os.path.join(state["out_dir"], Outputs().log))
    log.error(f"exit {code}: {line}")
    print(f"error: {line}", file=sys.stderr, flush=True)
    return code


def main(argv: Optional[List[str]] = None) -> int:
    started = time.monotonic()
    started_utc = utc_now_iso()
    log = TrainerLog()
    state: Dict[str, Any] = {"startup": process_startup_seconds()}
    try:
        with warnings_into(log):
            try:
                args = parse_args(argv)
                log.info(f"quantlab_trainer {__version__} start pid={os.getpid()} host={socket.gethostname()} "
                         f"job={args.job} data={args.data} out={args.out} production_model={args.production_model} "
                         f"production_data={args.production_data} "
                         f"device={args.device}")
                return run(args, log, started, started_utc, state)
            except TrainerError as e:
                return _fail(log, state, e.exit_code, str(e))
            except Exception as e:  # noqa: BLE001  an unexpected failure: traceback to train.log only
                log.error("unexpected failure\n" + traceback.format_exc())
                return _fail(log, state, EXIT_UNEXPECTED, f"unexpected {type(e).__name__}: {first_line(e)}")
    finally:
        log.close()
