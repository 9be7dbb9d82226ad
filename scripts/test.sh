#!/usr/bin/env bash
# Installs what the tests need, starts loopback sshd and the S3 server, runs every .NET and Python test.
# Usage: scripts/test.sh [extra dotnet test args, e.g. --filter Category=Unit]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
source scripts/lib/services.sh

ensure_debian_packages openssh-server openssh-client curl
ensure_dotnet
PY=$(ensure_trainer_venv)
ensure_s3_server

envdir=$PWD/.test-env/run
mkdir -p "$envdir"
cleanup() { stop_sshd "$envdir/ssh"; stop_s3 "$envdir"; }
trap cleanup EXIT
start_sshd "$envdir/ssh"
start_s3 "$envdir"
export QUANTLAB_TEST_PYTHON=$PY
export QUANTLAB_TEST_REPO_ROOT=$PWD

status=0
dotnet_log=$envdir/dotnet-test.log
dotnet test QuantLab.Ml.sln -c Release --logger "console;verbosity=normal" "$@" 2>&1 | tee "$dotnet_log" || status=1

py_log=$envdir/pytest.log
(cd python && "$PY" -m pytest -q -p no:cacheprovider tests) 2>&1 | tee "$py_log" || status=1

# One closing line for both suites.
count() { { grep -oE "$1" "$2" || true; } | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i } END { print s + 0 }'; }
dn_pass=$(count "^ +Passed: +[0-9]+" "$dotnet_log")
dn_fail=$(count "^ +Failed: +[0-9]+" "$dotnet_log")
py_pass=$(count "[0-9]+ passed" "$py_log")
py_fail=$(count "[0-9]+ failed" "$py_log")
total_pass=$(( dn_pass + py_pass )); total_fail=$(( dn_fail + py_fail ))
[ "$total_pass" -gt 0 ] || status=1
echo "total: $total_pass passed, $total_fail failed"
exit $status
