"""Writing outputs: atomic files (temp name, fsync, rename) and the live train.log."""

from __future__ import annotations

import json
import math
import os
from datetime import datetime, timezone
from typing import Any, Callable, BinaryIO, List, Optional

import numpy as np


def utc_now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def write_atomic(path: str, write: Callable[[BinaryIO], None]) -> None:
    """Writes through ``write(file)`` into a hidden temp file next to ``path``, then renames it over ``path``."""
    directory, name = os.path.split(os.path.abspath(path))
    tmp = os.path.join(directory, f".{name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise


def write_bytes_atomic(path: str, data: bytes) -> None:
    write_atomic(path, lambda f: f.write(data))


def write_npy_atomic(path: str, array: np.ndarray) -> None:
    # np.save on a file object: no ".npy" suffix gets appended to the temp name.
    write_atomic(path, lambda f: np.save(f, array, allow_pickle=False))


def json_safe(value: Any) -> Any:
    """NaN/inf become null so every reader (System.Text.Json included) can parse the file."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        return json_safe(value.item())
    return value


def write_json_atomic(path: str, obj: Any) -> None:
    text = json.dumps(json_safe(obj), indent=2, allow_nan=False) + "\n"
    write_bytes_atomic(path, text.encode("utf-8"))


class TrainerLog:
    """train.log: one timestamped line per event, flushed at once so a tailing orchestrator sees progress.

    Lines logged before the file is known (job.json not parsed yet) are kept and written on attach.
    """

    def __init__(self) -> None:
        self._file = None
        self._pending: List[str] = []
        self.path: Optional[str] = None

    def attach(self, path: str) -> None:
        self._file = open(path, "w", encoding="utf-8")
        self.path = path
        for line in self._pending:
            self._file.write(line)
        self._pending.clear()
        self._file.flush()

    def _write(self, level: str, message: str) -> None:
        text = str(message).rstrip("\n")
        line = f"{utc_now_iso()} {level} {text}\n"
        if self._file is None:
            self._pending.append(line)
        else:
            self._file.write(line)
            self._file.flush()

    def info(self, message: str) -> None:
        self._write("INFO", message)

    def warning(self, message: str) -> None:
        self._write("WARN", message)

    def error(self, message: str) -> None:
        self._write("ERROR", message)

    @property
    def attached(self) -> bool:
        return self._file is not None

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
