"""Device-parameter mapping for XGBoost 1.7 vs 2.x/3.x, and GPU detection, all without a GPU."""

import types

import pytest
import xgboost

from quantlab_trainer import device
from quantlab_trainer.device import (booster_device, device_params, effective_device, first_line, parse_version,
                                     probe_gpu, resolve_device)
from quantlab_trainer.errors import DeviceUnavailable


@pytest.mark.parametrize("text,expected", [("1.7.4", (1, 7)), ("2.0.3", (2, 0)), ("2.1.0rc1", (2, 1)),
                                           ("3.0.0-dev", (3, 0)), ("3.1.2", (3, 1))])
def test_parse_version(text, expected):
    assert parse_version(text) == expected


def test_mapping_xgboost_1_7():
    assert device_params("1.7.4", use_cuda=True) == {"tree_method": "gpu_hist"}
    assert device_params("1.7.6", use_cuda=False) == {"tree_method": "hist"}
    assert device_params("1.7.6", use_cuda=False, tree_method="approx") == {"tree_method": "approx"}
    assert device_params("1.7.6", use_cuda=True, tree_method="approx") == {"tree_method": "gpu_hist"}


@pytest.mark.parametrize("version", ["2.0.0", "2.1.4", "3.0.0", "3.1.2"])
def test_mapping_xgboost_2_and_3(version):
    assert device_params(version, use_cuda=True) == {"device": "cuda", "tree_method": "hist"}
    assert device_params(version, use_cuda=False) == {"device": "cpu", "tree_method": "hist"}
    assert device_params(version, use_cuda=True, tree_method="approx") == {"device": "cuda", "tree_method": "hist"}
    assert "gpu_hist" not in device_params(version, use_cuda=True).values()


def test_mapping_rejects_old_xgboost():
    with pytest.raises(ValueError):
        device_params("1.6.2", use_cuda=False)


def test_effective_device_from_config_2x():
    # XGBoost >= 2 records the resolved device; "cpu" after a silent fallback from cuda
    assert effective_device({"learner": {"generic_param": {"device": "cuda:0"}}}) == "cuda"
    assert effective_device({"learner": {"generic_param": {"device": "cpu"}}}) == "cpu"


def test_effective_device_from_config_1_7():
    def cfg(tree_method, gpu_id):
        return {"learner": {"generic_param": {"gpu_id": gpu_id},
                            "gradient_booster": {"gbtree_train_param": {"tree_method": tree_method}}}}
    assert effective_device(cfg("gpu_hist", "0")) == "cuda"
    assert effective_device(cfg("gpu_hist", "-1")) == "cpu"
    assert effective_device(cfg("hist", "0")) == "cpu"


def test_real_booster_here_reports_cpu():
    import numpy as np
    X = np.random.default_rng(0).normal(size=(30, 2)).astype(np.float32)
    b = xgboost.train({"objective": "multi:softprob", "num_class": 3, "nthread": 1,
                       **device_params(xgboost.__version__, False)},
                      xgboost.DMatrix(X, label=np.arange(30) % 3), 1)
    assert booster_device(b) == "cpu"


def test_first_line_strips_xgboost_prefix_and_stack():
    msg = "[03:06:31] ./src/c_api/../common/common.h:239: XGBoost version not compiled with GPU support.\nStack trace:\n  [bt] (0) x"
    assert first_line(msg) == "XGBoost version not compiled with GPU support."


def test_probe_without_nvidia_smi(monkeypatch):
    monkeypatch.setattr(device.shutil, "which", lambda name: None)
    usable, name, why = probe_gpu(xgboost)
    assert (usable, name) == (False, None)
    assert "nvidia-smi not found" in why


def test_probe_with_gpu_listed_but_cpu_only_xgboost(monkeypatch):
    # nvidia-smi "sees" a GPU, but this XGBoost 1.7 is built without CUDA: the real tiny training must fail.
    monkeypatch.setattr(device, "nvidia_smi_gpus", lambda: ("NVIDIA GeForce RTX 4090", ""))
    usable, name, why = probe_gpu(xgboost)
    assert usable is False and name == "NVIDIA GeForce RTX 4090"
    assert "cannot train" in why or "fell back" in why
    assert "\n" not in why


def test_probe_detects_silent_cpu_fallback(monkeypatch):
    # XGBoost >= 2 with device=cuda and no visible GPU only warns and trains on the CPU.
    monkeypatch.setattr(device, "nvidia_smi_gpus", lambda: ("GPU", ""))
    fake = types.SimpleNamespace(__version__="2.1.0", DMatrix=lambda X, label=None: None,
                                 train=lambda params, d, num_boost_round: "booster")
    monkeypatch.setattr(device, "booster_device", lambda b: "cpu")
    usable, _, why = probe_gpu(fake)
    assert usable is False and "fell back to the CPU" in why


def test_resolve_auto_uses_cpu_here():
    choice = resolve_device("auto", xgboost, "hist")
    assert choice.used == "cpu" and choice.requested == "auto"
    assert choice.params == device_params(xgboost.__version__, False)
    assert choice.reason.startswith("no usable GPU")


def test_resolve_cuda_fails_loudly_here():
    with pytest.raises(DeviceUnavailable, match="^device cuda requested but no usable GPU: "):
        resolve_device("cuda", xgboost, "hist")


def test_resolve_with_usable_gpu_uses_version_mapping():
    fake = types.SimpleNamespace(__version__="3.0.2")
    choice = resolve_device("auto", fake, "hist", probe=lambda x: (True, "RTX 4090", "ok"))
    assert choice.used == "cuda" and choice.gpu_name == "RTX 4090"
    assert choice.params == {"device": "cuda", "tree_method": "hist"}


def test_resolve_cpu_does_not_probe():
    def boom(x):
        raise AssertionError("cpu must not probe the GPU")
    assert resolve_device("cpu", xgboost, "hist", probe=boom).used == "cpu"
