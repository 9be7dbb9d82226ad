#!/usr/bin/env bash
# Measured speed (issue #10): each figure beside its reference, in one run on this machine; not part of the test suite.
# Starts loopback sshd and the S3 server (fauxqs) like scripts/test.sh, writes one JSON array of rows per group to
# bench/out/<group>.json, merges them into bench/results.json (with the machine) and prints one table.
#
#   scripts/bench.sh                      every group: 256 MiB transfers, 5 repetitions (takes 10-15 minutes)
#   scripts/bench.sh --quick              32 MiB transfers, 3 repetitions, reuses an earlier publish (2-4 minutes)
#   scripts/bench.sh --only sftp,s3       only these groups (the table still shows the other groups' last results)
#   scripts/bench.sh --micro              also the BenchmarkDotNet micro-benchmarks (bench/QuantLab.Ml.Benchmarks)
#
# Groups: startup sftp s3 orchestration trainer dataset night. What each measures and the targets: docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
source scripts/lib/deps.sh
source scripts/lib/services.sh

all_groups="startup sftp s3 orchestration trainer dataset night"
groups=$all_groups quick=0 micro=0
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1 ;;
    --micro) micro=1 ;;
    --only) groups=${2:?--only needs a comma-separated list of groups}; groups=${groups//,/ }; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
for g in $groups; do
  case " $all_groups " in *" $g "*) ;; *) echo "bench.sh: unknown group $g (groups: $all_groups)" >&2; exit 2 ;; esac
done
selected() { case " $groups " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

if [ "$quick" = 1 ]; then size_mb=32 reps=3; else size_mb=256 reps=5; fi
out=$repo/bench/out
work=$out/work
mkdir -p "$out" "$work"
started_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
say() { echo "bench.sh: $*" >&2; }

ensure_debian_packages openssh-server openssh-client curl
ensure_dotnet
PY=$(ensure_trainer_venv)
if selected s3; then ensure_s3_server; fi

envdir=$work/env
# The benchmark days cover 6 hours; a production day must cover 12 (DataCheck:MinCoveredHours).
export QUANTLAB_DataCheck__MinCoveredHours=6
cleanup() { stop_sshd "$envdir/ssh"; stop_s3 "$envdir"; }
trap cleanup EXIT
if selected sftp || selected orchestration || selected night; then start_sshd "$envdir/ssh"; fi
if selected s3; then start_s3 "$envdir"; fi
export QUANTLAB_TEST_PYTHON=$PY QUANTLAB_TEST_REPO_ROOT=$repo

say "building (Release)"
dotnet build src/QuantLab.Ml.Cli -c Release -nologo -v quiet >&2
dotnet build bench/QuantLab.Ml.Bench -c Release -nologo -v quiet >&2
cli_dll=$repo/src/QuantLab.Ml.Cli/bin/Release/net10.0/quantlab-ml.dll
harness() { dotnet "$repo/bench/QuantLab.Ml.Bench/bin/Release/net10.0/QuantLab.Ml.Bench.dll" "$@"; }
for g in $groups; do rm -f "$out/$g.json"; done

# Item 6: cold start of the published builds (Native AOT when clang is there, and the self-contained single-file
# ReadyToRun fallback) vs an empty app published single-file ReadyToRun, `dotnet empty.dll` and an empty app compiled AOT.
group_startup() {
  local args=(--work "$work/startup" --reps "$((reps < 5 ? 5 : reps * 2))" --out "$out/startup.json")
  if [ "$quick" = 0 ]; then args+=(--trim); else args+=(--reuse); fi
  python3 scripts/bench/bench.py startup "${args[@]}"
}

# Item 2: SFTP through SshConnection (the runner's transfer code) vs OpenSSH sftp/scp, same key, server, file, folder.
group_sftp() { harness sftp --size-mb "$size_mb" --reps "$reps" --work "$work/sftp" --out "$out/sftp.json"; }

# Item 3: S3 through S3ArtifactStore (multipart, parallel parts) vs one plain PutObject/GetObject stream.
group_s3() { harness s3 --size-mb "$size_mb" --reps "$reps" --work "$work/s3" --out "$out/s3.json"; }

# Item 4: run-daily --provider ssh on the loopback sshd minus the trainer's own wall time (runtime.json), per step.
# The published build when the startup group made one (what the nightly cron runs), else the Release build.
group_orchestration() {
  local cli="dotnet $cli_dll" label="dotnet quantlab-ml.dll (Release build, JIT)"
  if [ -x "$work/startup/cli/quantlab-ml" ]; then cli=$work/startup/cli/quantlab-ml label="published single-file ReadyToRun build"; fi
  if [ -x "$work/startup/cli-aot/quantlab-ml" ]; then cli=$work/startup/cli-aot/quantlab-ml label="published Native AOT build"; fi
  python3 scripts/bench/bench.py orchestration --cli "$cli" --cli-label "$label" --python "$PY" \
    --work "$work/orchestration" --reps "$reps" --out "$out/orchestration.json"
}

# Item 5: the trainer's training vs xgboost.train directly on the same arrays and parameters (and GPU vs CPU hist).
# Uses the job.json/dataset.npz of the orchestration group's first run, or makes them with run-daily --dry-run.
group_trainer() {
  local dir=$work/orchestration
  if [ ! -f "$dir/job.json" ]; then
    dir=$work/trainer
    rm -rf "$dir"; mkdir -p "$dir"
    (cd "$dir" && dotnet "$cli_dll" data sample --symbol btcusdt --from 2026-01-20 --days 1 --hours 6 --seed 11 --out data >/dev/null 2>&1 \
      && dotnet "$cli_dll" run-daily --symbol btcusdt --date 2026-01-20 --data data --store store --provider local --dry-run >/dev/null 2>&1)
    cp "$(ls -d "$dir"/store/runs/run-*/btcusdt-*)"/{job.json,dataset.npz} "$dir/"
  fi
  PYTHONPATH=$repo/python "$PY" scripts/bench/trainer_bench.py --job "$dir/job.json" --data "$dir/dataset.npz" --reps "$reps" --out "$out/trainer.json"
}

# Item 1 and the micro-benchmarks: bench/QuantLab.Ml.Benchmarks (BenchmarkDotNet) writes its own rows.
group_dataset() {
  if [ -f bench/QuantLab.Ml.Benchmarks/QuantLab.Ml.Benchmarks.csproj ]; then
    dotnet run -c Release --project bench/QuantLab.Ml.Benchmarks -- dataset --json "$out/dataset.json" >&2
  else
    say "note: dataset group skipped: bench/QuantLab.Ml.Benchmarks is not in this tree yet"
  fi
}

# Issue #11: the night's orchestration overhead per symbol, 1 symbol vs 12 symbols packed onto one machine (the loopback
# sshd through --provider ssh), with the trainers' own time (runtime.json) taken out.
group_night() {
  python3 scripts/bench/night_bench.py --cli "dotnet $cli_dll" --python "$PY" --work "$work/night" \
    --reps "$((reps < 3 ? reps : 3))" --out "$out/night.json"
}

for g in $groups; do
  say "group $g"
  t0=$SECONDS
  "group_$g"
  say "group $g took $((SECONDS - t0)) s"
done
if [ "$micro" = 1 ]; then
  if [ -f bench/QuantLab.Ml.Benchmarks/QuantLab.Ml.Benchmarks.csproj ]; then
    dotnet run -c Release --project bench/QuantLab.Ml.Benchmarks -- micro >&2
  else
    say "note: --micro skipped: bench/QuantLab.Ml.Benchmarks is not in this tree yet"
  fi
fi

python3 scripts/bench/bench.py merge --out-dir "$out" --results bench/results.json --started-at "$started_at"
