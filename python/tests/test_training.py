"""Real XGBoost training on small synthetic data: quality, outputs, model file, devices, re-scoring, limits."""

import json
import os

import numpy as np
import pytest
import xgboost

from conftest import FEATURES, make_case, run_cli, sha256, write_job, write_npz
from quantlab_trainer import cli
from quantlab_trainer import train as training

RUNTIME_KEYS = {"status", "job_id", "trainer_version", "python_version", "xgboost_version", "numpy_version",
                "device_requested", "device_used", "device_reason", "gpu_name", "hostname", "platform", "cpu_count",
                "nthread", "started_utc", "finished_utc", "durations_seconds", "peak_rss_mb", "dataset_sha256",
                "dataset_sha256_verified", "production_rescore", "outputs"}
METRICS_KEYS = {"best_iteration", "best_score", "eval_metric", "rounds_trained", "model_rounds", "num_boost_round",
                "early_stopping_rounds", "stopped_early", "train_mlogloss", "valid_mlogloss", "history",
                "feature_importance_gain", "feature_importance_total_gain", "class_counts", "rows", "n_features",
                "xgboost_params"}


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture(scope="module")
def trained(tmp_path_factory, case):
    """One real end-to-end run through `python -m quantlab_trainer` (device auto)."""
    tmp = tmp_path_factory.mktemp("e2e")
    data = write_npz(str(tmp / "dataset.npz"), case.arrays)
    job = write_job(str(tmp / "job.json"), dataset_sha256=sha256(data),
                    counts={"train": 600, "valid": 200, "test": 300})
    out = str(tmp / "out")
    proc = run_cli(["--job", job, "--data", data, "--out", out])
    return proc, out, data


def test_cli_succeeds_quietly(trained):
    proc, out, _ = trained
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert proc.stdout.startswith("ok: job ")
    assert sorted(os.listdir(out)) == ["model.bin", "predictions.npy", "runtime.json", "train.log",
                                       "train_metrics.json"]  # no temp files, no production predictions


def test_model_beats_chance_on_unseen_test_rows(trained, case):
    _, out, _ = trained
    p = np.load(os.path.join(out, "predictions.npy"))
    assert p.dtype == np.float32 and p.shape == (300, 3)
    assert np.allclose(p.sum(axis=1), 1.0, atol=1e-5)
    accuracy = float((p.argmax(axis=1) == case.y_test).mean())
    majority = float(np.bincount(case.y_test, minlength=3).max() / len(case.y_test))
    assert accuracy > majority + 0.15, (accuracy, majority)
    assert accuracy > 0.6
    # calibrated beyond chance: test log-loss well under log(3)
    logloss = -np.mean(np.log(np.clip(p[np.arange(300), case.y_test], 1e-7, 1)))
    assert logloss < 0.8 * np.log(3)


def test_model_bin_is_ubjson_that_xgboost_loads_and_reproduces(trained, case):
    _, out, _ = trained
    path = os.path.join(out, "model.bin")
    with open(path, "rb") as f:
        assert f.read(1) == b"{"  # UBJSON object marker (not the legacy binary format)
    booster = xgboost.Booster()
    booster.load_model(path)
    assert booster.feature_names == FEATURES
    again = booster.predict(xgboost.DMatrix(case.arrays["X_test"], feature_names=FEATURES))
    assert np.array_equal(again.astype(np.float32), np.load(os.path.join(out, "predictions.npy")))


def test_train_metrics(trained, case):
    _, out, _ = trained
    m = load_json(os.path.join(out, "train_metrics.json"))
    assert METRICS_KEYS <= set(m)
    assert len(m["train_mlogloss"]) == len(m["valid_mlogloss"]) == m["rounds_trained"]
    assert m["model_rounds"] == m["best_iteration"] + 1 <= m["rounds_trained"] <= 40
    assert m["best_score"] == pytest.approx(min(m["valid_mlogloss"]))
    assert m["valid_mlogloss"][m["best_iteration"]] == m["best_score"]
    assert m["train_mlogloss"][-1] < m["train_mlogloss"][0]
    assert set(m["feature_importance_gain"]) == set(FEATURES)
    assert max(m["feature_importance_total_gain"], key=m["feature_importance_total_gain"].get) == "ret_1"
    assert m["class_counts"]["train"] == dict(zip(("down", "flat", "up"),
                                                  np.bincount(case.arrays["y_train"], minlength=3).tolist()))
    assert sum(m["class_counts"]["valid"].values()) == 200


def test_runtime_json_records_cpu_for_auto(trained):
    _, out, data = trained
    r = load_json(os.path.join(out, "runtime.json"))
    assert RUNTIME_KEYS <= set(r)
    assert r["device_requested"] == "auto" and r["device_used"] == "cpu" and r["gpu_name"] is None
    assert r["xgboost_version"] == xgboost.__version__
    assert r["dataset_sha256"] == sha256(data) and r["dataset_sha256_verified"] is True
    assert r["production_rescore"]["status"] == "not_requested"
    d = r["durations_seconds"]
    assert set(d) >= {"load", "train", "predict", "total"} and d["total"] >= d["train"] > 0
    # the interpreter's own start is the trainer's cost too: a real process takes some, and "process" adds it up
    assert 0 < d["startup"] < 30 and d["process"] == round(d["total"] + d["startup"], 3)
    assert r["started_utc"].endswith("Z") and r["finished_utc"] >= r["started_utc"]
    assert r["peak_rss_mb"] > 10
    # runtime.json is the last JSON written
    assert os.path.getmtime(os.path.join(out, "runtime.json")) >= os.path.getmtime(os.path.join(out, "train_metrics.json"))


def test_train_log_shows_progress(trained):
    _, out, _ = trained
    log = open(os.path.join(out, "train.log"), encoding="utf-8").read()
    assert " start " in log and "xgboost params " in log and "device used cpu" in log
    progress = [line for line in log.splitlines() if " progress round " in line]
    assert len(progress) >= 2 and "train-mlogloss=" in progress[0] and "valid-mlogloss=" in progress[0]
    assert "training done" in log and " done in " in log.splitlines()[-1]


def test_device_cuda_exits_3_loudly(files):
    proc = run_cli(["--job", files.job, "--data", files.data, "--out", files.out, "--device", "cuda"])
    assert proc.returncode == 3
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: device cuda requested but no usable GPU: ")
    assert not os.path.exists(os.path.join(files.out, "model.bin"))
    assert "exit 3" in open(os.path.join(files.out, "train.log"), encoding="utf-8").read()


def test_job_device_cuda_is_overridden_by_flag(tmp_path, files, capsys):
    job = write_job(str(tmp_path / "job_cuda.json"), device="cuda")
    assert cli.main(["--job", job, "--data", files.data, "--out", files.out, "--device", "cpu"]) == 0
    r = load_json(os.path.join(files.out, "runtime.json"))
    assert r["device_requested"] == "cpu" and r["device_used"] == "cpu"


def test_deterministic_for_seed_on_cpu(tmp_path, files, capsys):
    # all cores, subsampling on; few rounds because multi-threaded runs crawl on a busy 2-core box
    job = write_job(str(tmp_path / "job2.json"), xgboost={"nthread": 0, "num_boost_round": 12})
    outs = [str(tmp_path / "a"), str(tmp_path / "b")]
    for out in outs:
        assert cli.main(["--job", job, "--data", files.data, "--out", out, "--device", "cpu"]) == 0
    for name in ("model.bin", "predictions.npy"):
        assert sha256(os.path.join(outs[0], name)) == sha256(os.path.join(outs[1], name))
    job3 = write_job(str(tmp_path / "job3.json"), xgboost={"nthread": 0, "num_boost_round": 12, "seed": 7})
    assert cli.main(["--job", job3, "--data", files.data, "--out", str(tmp_path / "c"), "--device", "cpu"]) == 0
    assert sha256(os.path.join(outs[0], "model.bin")) != sha256(str(tmp_path / "c" / "model.bin"))


def test_production_rescoring(tmp_path, files, case, capsys):
    prod_dir = str(tmp_path / "prod")
    assert cli.main(["--job", files.job, "--data", files.data, "--out", prod_dir]) == 0
    prod_model = os.path.join(prod_dir, "model.bin")
    # tomorrow: a different day's data with the same features, re-scored by today's production model
    tomorrow = make_case(seed=99)
    data2 = write_npz(str(tmp_path / "tomorrow.npz"), tomorrow.arrays)
    job2 = write_job(str(tmp_path / "job_tomorrow.json"), xgboost={"seed": 1})
    out = str(tmp_path / "out2")
    assert cli.main(["--job", job2, "--data", data2, "--out", out, "--production-model", prod_model]) == 0
    prod_pred = np.load(os.path.join(out, "predictions_production.npy"))
    assert prod_pred.dtype == np.float32 and prod_pred.shape == (300, 3)
    ref = xgboost.Booster()
    ref.load_model(prod_model)
    expected = ref.predict(xgboost.DMatrix(tomorrow.arrays["X_test"], feature_names=FEATURES))
    assert np.array_equal(prod_pred, expected.astype(np.float32))
    assert not np.array_equal(prod_pred, np.load(os.path.join(out, "predictions.npy")))
    r = load_json(os.path.join(out, "runtime.json"))
    assert r["production_rescore"]["status"] == "ok"
    # Written and re-scored by the same XGBoost: like for like, and the record says which version both were.
    assert r["production_rescore"]["model_xgboost_version"] == r["production_rescore"]["scorer_xgboost_version"] == xgboost.__version__
    assert r["production_rescore"]["like_for_like"] is True


def test_a_champion_written_by_another_xgboost_minor_is_marked_not_like_for_like(tmp_path, files, capsys):
    prod_dir = str(tmp_path / "prod")
    assert cli.main(["--job", files.job, "--data", files.data, "--out", prod_dir, "--device", "cpu"]) == 0
    booster = xgboost.Booster()
    booster.load_model(os.path.join(prod_dir, "model.bin"))
    model = json.loads(bytes(booster.save_raw("json")).decode("utf-8"))
    model["version"] = [3, 1, 2]  # as a model written by XGBoost 3.1.2 says of itself
    newer = tmp_path / "newer.bin"
    newer.write_text(json.dumps(model), encoding="utf-8")
    assert training.model_version(str(newer)) == "3.1.2"
    assert training.model_version(os.path.join(prod_dir, "model.bin")) == xgboost.__version__

    assert cli.main(["--job", files.job, "--data", files.data, "--out", files.out, "--production-model", str(newer)]) == 0

    rescore = load_json(os.path.join(files.out, "runtime.json"))["production_rescore"]
    assert rescore["model_xgboost_version"] == "3.1.2"
    assert rescore["scorer_xgboost_version"] == xgboost.__version__
    assert rescore["like_for_like"] is False


def test_production_rescoring_skips_feature_count_mismatch(tmp_path, files, capsys):
    X = np.random.default_rng(1).normal(size=(60, 4)).astype(np.float32)
    old = xgboost.train({"objective": "multi:softprob", "num_class": 3, "nthread": 1},
                        xgboost.DMatrix(X, label=np.arange(60) % 3), 2)
    old_path = str(tmp_path / "old.bin")
    with open(old_path, "wb") as f:
        f.write(bytes(old.save_raw("ubj")))
    assert cli.main(["--job", files.job, "--data", files.data, "--out", files.out,
                     "--production-model", old_path]) == 0
    assert not os.path.exists(os.path.join(files.out, "predictions_production.npy"))
    assert os.path.exists(os.path.join(files.out, "predictions.npy"))
    rescore = load_json(os.path.join(files.out, "runtime.json"))["production_rescore"]
    assert {k: rescore[k] for k in ("status", "reason")} == {"status": "skipped", "reason": "production model has 4 features, this dataset has 5"}


def test_production_model_unloadable_is_reported_not_fatal(tmp_path, files, capsys):
    bad = tmp_path / "corrupt.bin"
    bad.write_bytes(b"\x00\x01 not a model")
    assert cli.main(["--job", files.job, "--data", files.data, "--out", files.out,
                     "--production-model", str(bad)]) == 0
    rescore = load_json(os.path.join(files.out, "runtime.json"))["production_rescore"]
    assert rescore["status"] == "failed" and "cannot load production model" in rescore["reason"]


def test_runtime_limit_exits_4(tmp_path, files, capsys):
    job = write_job(str(tmp_path / "job_fast.json"), runtime={"max_runtime_minutes": 1e-6})
    assert cli.main(["--job", job, "--data", files.data, "--out", files.out]) == 4
    err = capsys.readouterr().err.splitlines()
    assert err == ["error: trainer exceeded 1e-06 min"]
    assert not os.path.exists(os.path.join(files.out, "model.bin"))
    assert not os.path.exists(os.path.join(files.out, "runtime.json"))


def test_runtime_limit_callback_with_a_fake_clock():
    from quantlab_trainer.errors import RuntimeExceeded
    from quantlab_trainer.outputs import TrainerLog
    now = [0.0]
    cb = training.ProgressCallback(TrainerLog(), 500, ["mlogloss"], started=0.0, max_minutes=60,
                                   clock=lambda: now[0])
    history = {"train": {"mlogloss": [0.9]}, "valid": {"mlogloss": [1.0]}}
    now[0] = 3599.0
    assert cb.after_iteration(None, 0, history) is False
    now[0] = 3601.0
    with pytest.raises(RuntimeExceeded, match="^trainer exceeded 60 min$"):
        cb.after_iteration(None, 1, history)


def test_unexpected_failure_exits_1_with_traceback_only_in_log(monkeypatch, files, capsys):
    def explode(*args, **kwargs):
        raise RuntimeError("disk on fire\nsecond line")
    monkeypatch.setattr(training, "train_model", explode)
    assert cli.main(["--job", files.job, "--data", files.data, "--out", files.out]) == 1
    err = capsys.readouterr().err
    assert err == "error: unexpected RuntimeError: disk on fire\n"
    log = open(os.path.join(files.out, "train.log"), encoding="utf-8").read()
    assert "Traceback (most recent call last)" in log and "explode" in log


def test_no_early_stopping_keeps_every_round(tmp_path, files, capsys):
    job = write_job(str(tmp_path / "job_nes.json"), xgboost={"early_stopping_rounds": 0, "num_boost_round": 12,
                                                             "eval_metric": "merror"})
    assert cli.main(["--job", job, "--data", files.data, "--out", files.out]) == 0
    m = load_json(os.path.join(files.out, "train_metrics.json"))
    assert m["rounds_trained"] == 12 and m["best_iteration"] == 11 and m["stopped_early"] is False
    assert m["best_score"] == m["history"]["valid"]["merror"][11]
    assert len(m["valid_mlogloss"]) == 12  # mlogloss is always recorded


def test_model_is_cut_at_best_iteration(tmp_path, files, case, capsys):
    # strong overfitting so early stopping triggers well before the last round
    job = write_job(str(tmp_path / "job_of.json"), xgboost={"max_depth": 8, "eta": 1.0, "num_boost_round": 60,
                                                            "early_stopping_rounds": 3, "min_child_weight": 0.0})
    assert cli.main(["--job", job, "--data", files.data, "--out", files.out]) == 0
    m = load_json(os.path.join(files.out, "train_metrics.json"))
    assert m["stopped_early"] and m["rounds_trained"] == m["best_iteration"] + 1 + 3
    b = xgboost.Booster()
    b.load_model(os.path.join(files.out, "model.bin"))
    assert b.num_boosted_rounds() == m["model_rounds"]
