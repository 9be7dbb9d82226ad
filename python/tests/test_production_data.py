"""--production-data: the champion re-scored on the candidate's test rows with its own feature configuration."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import xgboost

from conftest import FEATURES, write_npz
from quantlab_trainer import cli

CHAMPION_FEATURES = ["ret_1", "ret_300", "imb_60", "spread"]  # another feature configuration: 4 columns, other names


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture()
def champion(tmp_path):
    """A small real model trained on the champion's 4 named features, saved like model.bin."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 4)).astype(np.float32)
    y = np.where(X[:, 0] < -0.4, 0, np.where(X[:, 0] > 0.4, 2, 1))
    booster = xgboost.train({"objective": "multi:softprob", "num_class": 3, "nthread": 1, "max_depth": 2},
                            xgboost.DMatrix(X, label=y, feature_names=CHAMPION_FEATURES), 5)
    path = str(tmp_path / "champion.bin")
    with open(path, "wb") as f:
        f.write(bytes(booster.save_raw("ubj")))
    return path


def production_data(tmp_path, rows=300, names=CHAMPION_FEATURES, seed=5):
    X = np.random.default_rng(seed).normal(size=(rows, len(names))).astype(np.float32)
    path = write_npz(str(tmp_path / "production_data.npz"), {"X_test": X, "feature_names": np.array(names, dtype=np.str_)})
    return path, X


def test_champion_with_other_features_is_rescored_on_its_own_test_features(tmp_path, files, champion, capsys):
    data, X = production_data(tmp_path)

    assert cli.main(["--job", files.job, "--data", files.data, "--out", files.out,
                     "--production-model", champion, "--production-data", data]) == 0

    got = np.load(os.path.join(files.out, "predictions_production.npy"))
    ref = xgboost.Booster()
    ref.load_model(champion)
    expected = ref.predict(xgboost.DMatrix(X, feature_names=CHAMPION_FEATURES)).astype(np.float32)
    assert got.shape == (300, 3) and np.array_equal(got, expected)
    rescore = load_json(os.path.join(files.out, "runtime.json"))["production_rescore"]
    assert rescore["status"] == "ok" and "--production-data" in rescore["reason"]
    # the candidate itself still trains and predicts on the dataset's own features
    assert np.load(os.path.join(files.out, "predictions.npy")).shape == (300, 3)
    assert load_json(os.path.join(files.out, "train_metrics.json"))["n_features"] == len(FEATURES)


def test_without_production_data_the_same_champion_is_skipped_with_the_reason(files, champion, capsys):
    assert cli.main(["--job", files.job, "--data", files.data, "--out", files.out, "--production-model", champion]) == 0

    assert not os.path.exists(os.path.join(files.out, "predictions_production.npy"))
    rescore = load_json(os.path.join(files.out, "runtime.json"))["production_rescore"]
    assert {k: rescore[k] for k in ("status", "reason")} == {"status": "skipped", "reason": "production model has 4 features, this dataset has 5"}


def test_production_data_with_other_feature_names_is_skipped_not_mispredicted(tmp_path, files, champion, capsys):
    data, _ = production_data(tmp_path, names=["a", "b", "c", "d"])

    assert cli.main(["--job", files.job, "--data", files.data, "--out", files.out,
                     "--production-model", champion, "--production-data", data]) == 0

    assert not os.path.exists(os.path.join(files.out, "predictions_production.npy"))
    rescore = load_json(os.path.join(files.out, "runtime.json"))["production_rescore"]
    assert rescore["status"] == "skipped" and "'ret_1'" in rescore["reason"] and "'a'" in rescore["reason"]


@pytest.mark.parametrize("rows, names, message", [
    (299, CHAMPION_FEATURES, "production X_test has 299 rows but the dataset's X_test has 300"),
    (300, CHAMPION_FEATURES[:3], "production X_test has 4 features but its feature_names has 3"),
])
def test_production_data_that_does_not_fit_is_bad_input(tmp_path, files, champion, capsys, rows, names, message):
    X = np.zeros((rows, 4), dtype=np.float32)
    data = write_npz(str(tmp_path / "bad.npz"), {"X_test": X, "feature_names": np.array(names, dtype=np.str_)})

    code = cli.main(["--job", files.job, "--data", files.data, "--out", files.out,
                     "--production-model", champion, "--production-data", data])

    assert code == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {message}")
    assert not os.path.exists(os.path.join(files.out, "model.bin"))


def test_production_data_without_a_production_model_is_bad_input(tmp_path, files, capsys):
    data, _ = production_data(tmp_path)

    assert cli.main(["--job", files.job, "--data", files.data, "--out", files.out, "--production-data", data]) == 2
    assert "--production-data needs --production-model" in capsys.readouterr().err
