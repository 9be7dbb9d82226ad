"""Every bad input exits 2 with exactly one 'error: ...' line on stderr and no traceback (real subprocess)."""

import os

import numpy as np
import pytest

from conftest import BASE_JOB, run_cli, write_job, write_npz


def assert_one_line_error(proc, code, contains):
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert contains in lines[0], lines[0]
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout


def _drop(key):
    return lambda a: {k: v for k, v in a.items() if k != key}


def _set(key, fn):
    def edit(a):
        a = dict(a)
        a[key] = fn(a[key].copy())
        return a
    return edit


def _nan_label(y):
    y = y.astype(np.float32)
    y[3] = np.nan
    return y


def _label(v):
    def f(y):
        y[5] = v
        return y
    return f


def _inf(X):
    X[7, 2] = np.inf
    return X


def _neg_inf(X):
    X[0, 0] = -np.inf
    return X


BAD_DATA = {
    "missing X_test": (_drop("X_test"), "missing array(s) X_test"),
    "missing y_valid": (_drop("y_valid"), "missing array(s) y_valid"),
    "missing feature_names": (_drop("feature_names"), "missing array(s) feature_names"),
    "nan label": (_set("y_train", _nan_label), "non-finite label"),
    "label 3": (_set("y_valid", _label(3)), "label 3"),
    "label -1": (_set("y_train", _label(-1)), "label -1"),
    "fractional label": (_set("y_train", lambda y: y.astype(np.float64) + 0.5), "non-integer label"),
    "y rows != X rows": (_set("y_train", lambda y: y[:-1]), "599 labels but X_train has 600 rows"),
    "2-D labels": (_set("y_valid", lambda y: y.reshape(-1, 1)), "y_valid must be 1-D"),
    "1-D features": (_set("X_test", lambda X: X[:, 0]), "X_test must be 2-D"),
    "feature count differs": (_set("X_valid", lambda X: X[:, :4]), "X_valid has 4 features but feature_names has 5"),
    "npz feature name differs": (_set("feature_names", lambda n: np.array(["ret_1", "ret_5", "vol_10", "imb_10", "other"])),
                                 "feature name 4 differs"),
    "feature_names not unicode": (_set("feature_names", lambda n: n.astype("S")), "unicode"),
    "inf in valid": (_set("X_valid", _inf), "X_valid contains +/-inf"),
    "-inf in train": (_set("X_train", _neg_inf), "X_train contains +/-inf"),
    "empty test": (_set("X_test", lambda X: X[:0]), "X_test has no rows"),
    "empty train": (lambda a: {**a, "X_train": a["X_train"][:0], "y_train": a["y_train"][:0]}, "X_train has no rows"),
    "test labels leaked": (lambda a: {**a, "y_test": np.zeros(300, dtype=np.int32)}, "must not contain y_test"),
    "object array": (_set("X_test", lambda X: X.astype(object)), "X_test"),
}


@pytest.mark.parametrize("name", list(BAD_DATA))
def test_bad_dataset_exits_2(tmp_path, case, name):
    edit, expected = BAD_DATA[name]
    data = write_npz(str(tmp_path / "dataset.npz"), edit(case.arrays))
    job = write_job(str(tmp_path / "job.json"))
    proc = run_cli(["--job", job, "--data", data, "--out", str(tmp_path / "out")])
    assert_one_line_error(proc, 2, expected)
    assert not os.path.exists(tmp_path / "out" / "model.bin")


BAD_JOBS = {
    "job feature names differ": ({"feature_names": ["ret_1", "ret_5", "vol_10", "imb_10", "x"]}, "feature name 4 differs"),
    "job has fewer features": ({"feature_names": ["ret_1", "ret_5"]}, "dataset.npz has 5 feature names but job.json has 2"),
    "unknown xgboost key": ({"xgboost": {"lambda": 1.0}}, "unknown key(s) lambda"),
    "gpu_hist in job": ({"xgboost": {"tree_method": "gpu_hist"}}, "device=cuda"),
    "softmax objective": ({"xgboost": {"objective": "multi:softmax"}}, "multi:softprob"),
    "bad eta": ({"xgboost": {"eta": 0}}, "xgboost.eta"),
    "bad device": ({"device": "tpu"}, "device must be one of"),
    "bad runtime": ({"runtime": {"max_runtime_minutes": -1}}, "max_runtime_minutes"),
    "counts differ": ({"counts": {"train": 1, "valid": 200, "test": 300}}, "counts.train=1"),
    "sha mismatch": ({"dataset_sha256": "0" * 64}, "does not match job.json dataset_sha256"),
    "output path escapes": ({"outputs": {"model": "../model.bin"}}, "plain file name"),
}


@pytest.mark.parametrize("name", list(BAD_JOBS))
def test_bad_job_exits_2(tmp_path, case, name):
    overrides, expected = BAD_JOBS[name]
    data = write_npz(str(tmp_path / "dataset.npz"), case.arrays)
    job = write_job(str(tmp_path / "job.json"), **overrides)
    proc = run_cli(["--job", job, "--data", data, "--out", str(tmp_path / "out")])
    assert_one_line_error(proc, 2, expected)


def test_files_that_are_not_what_they_claim(tmp_path, case):
    data = write_npz(str(tmp_path / "dataset.npz"), case.arrays)
    job = write_job(str(tmp_path / "job.json"))
    out = str(tmp_path / "out")
    (tmp_path / "garbage.npz").write_bytes(b"not a zip file at all")
    (tmp_path / "broken.json").write_text("{ nope", encoding="utf-8")
    cases = [
        (["--job", job, "--data", str(tmp_path / "absent.npz"), "--out", out], "dataset file not found"),
        (["--job", job, "--data", str(tmp_path / "garbage.npz"), "--out", out], "cannot read dataset"),
        (["--job", str(tmp_path / "broken.json"), "--data", data, "--out", out], "job.json is not valid JSON"),
        (["--job", str(tmp_path / "absent.json"), "--data", data, "--out", out], "job file not found"),
        (["--job", job, "--data", data, "--out", out, "--production-model", str(tmp_path / "none.bin")],
         "production model not found"),
        (["--job", job, "--data", data], "usage:"),
        (["--job", job, "--data", data, "--out", out, "--device", "gpu"], "usage:"),
    ]
    for args, expected in cases:
        assert_one_line_error(run_cli(args), 2, expected)


def test_bad_input_removes_stale_outputs_and_logs(tmp_path, case):
    out = tmp_path / "out"
    out.mkdir()
    (out / "predictions.npy").write_bytes(b"old run")
    (out / "runtime.json").write_text("{}")
    (out / "unrelated.txt").write_text("keep me")
    data = write_npz(str(tmp_path / "dataset.npz"), _set("X_valid", _inf)(case.arrays))
    proc = run_cli(["--job", write_job(str(tmp_path / "job.json")), "--data", data, "--out", str(out)])
    assert_one_line_error(proc, 2, "inf")
    assert sorted(os.listdir(out)) == ["train.log", "unrelated.txt"]
    assert "ERROR exit 2: X_valid contains +/-inf" in (out / "train.log").read_text()


def test_base_job_matches_the_documented_example():
    import json
    here = os.path.dirname(os.path.abspath(__file__))
    example_path = os.path.join(here, "..", "..", "docs", "job-example.json")
    with open(example_path, encoding="utf-8") as f:
        example = json.load(f)
    assert set(BASE_JOB) == set(example)
    assert set(BASE_JOB["xgboost"]) == set(example["xgboost"])
    assert set(BASE_JOB["outputs"]) == set(example["outputs"])
    # the example's own xgboost/runtime/device/outputs sections parse
    from quantlab_trainer.job import parse_job
    example["feature_names"] = ["ret_1", "ret_5"]
    job = parse_job(example)
    assert job.dataset_sha256 is None and job.xgboost.num_boost_round == 500 and job.device == "auto"


def test_unparseable_job_still_logs_and_clears_default_outputs(tmp_path, case):
    out = tmp_path / "out"
    out.mkdir()
    (out / "model.bin").write_bytes(b"old model")
    (tmp_path / "job.json").write_text('{"schema_version": 2}', encoding="utf-8")
    data = write_npz(str(tmp_path / "dataset.npz"), case.arrays)
    proc = run_cli(["--job", str(tmp_path / "job.json"), "--data", data, "--out", str(out)])
    assert_one_line_error(proc, 2, "schema_version must be 1")
    assert sorted(os.listdir(out)) == ["train.log"]
    assert "exit 2: job.json: schema_version must be 1" in (out / "train.log").read_text()
