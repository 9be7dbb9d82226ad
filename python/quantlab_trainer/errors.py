"""Failures the trainer reports with a specific exit code and a one-line message."""

EXIT_OK = 0
EXIT_UNEXPECTED = 1
EXIT_BAD_INPUT = 2
EXIT_NO_GPU = 3
EXIT_TIMEOUT = 4


class TrainerError(Exception):
    """An expected failure: ``str(error)`` is the one-line reason shown after ``error:``."""

    exit_code = EXIT_UNEXPECTED


class InputError(TrainerError):
    """Bad arguments, job.json, dataset.npz or production model path."""

    exit_code = EXIT_BAD_INPUT


class DeviceUnavailable(TrainerError):
    """``cuda`` was requested but no GPU is usable."""

    exit_code = EXIT_NO_GPU


class RuntimeExceeded(TrainerError):
    """Training ran past ``runtime.max_runtime_minutes``."""

    exit_code = EXIT_TIMEOUT
