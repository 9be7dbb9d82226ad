# Shared install steps for scripts/*.sh: idempotent, quiet when everything is present.
# shellcheck shell=bash

repo_root() { cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# ensure_debian_packages PKG... : apt-get install the ones that are missing.
ensure_debian_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing Debian packages: ${missing[*]}" >&2
    as_root apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  fi
}

# The trainer's interpreter: a venv over Debian's python3 so it sees python3-xgboost and python3-numpy.
ensure_trainer_venv() {
  local root; root=$(repo_root)
  ensure_debian_packages python3 python3-venv python3-numpy python3-xgboost python3-pytest fonts-dejavu-core
  if [ ! -x "$root/.venv/bin/python" ] || ! "$root/.venv/bin/python" -c "import xgboost, numpy" 2>/dev/null; then
    echo "creating $root/.venv (system site packages, for XGBoost from Debian)" >&2
    rm -rf "$root/.venv"
    /usr/bin/python3 -m venv --system-site-packages "$root/.venv" >&2
  fi
  "$root/.venv/bin/python" -c "import xgboost, numpy" || { echo "error: xgboost/numpy not importable from $root/.venv" >&2; return 1; }
  echo "$root/.venv/bin/python"
}

ensure_dotnet() {
  command -v dotnet >/dev/null || { echo "error: the .NET 10 SDK (dotnet) is not on PATH" >&2; return 1; }
}

# The S3-compatible test server (npm fauxqs, pinned), installed under .test-env/.
ensure_s3_server() {
  local root; root=$(repo_root)
  if [ ! -x "$root/.test-env/node/node_modules/.bin/fauxqs" ]; then
    command -v npm >/dev/null || ensure_debian_packages nodejs npm
    mkdir -p "$root/.test-env/node"
    echo "installing fauxqs@1.9.2 (S3 test server)" >&2
    (cd "$root/.test-env/node" && npm install --silent --no-audit --no-fund --no-save fauxqs@1.9.2 >&2)
  fi
}
