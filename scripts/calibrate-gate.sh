#!/usr/bin/env bash
# Calibration of the promotion gate (not part of the test suite: ~20 s per run on 2 cores).
# Over several seeds, generates 2 sample days (the walk-forward default: train on the first, test on the second) of
#   noise   pure noise (--regime noise), at a 2-minute horizon: nothing is predictable
#   weak    the signal regime at the default 10-second horizon: a real lean of 2-5 bp that a taker's 5 bps fee eats
#   strong  the flow regime (a slow order flow the book reveals, 10-20 bp over minutes) at a 2-minute horizon
#   wide    the same strong edge behind a quoted spread too wide to cross (--spread-bps, default 60: wider than the two-minute move)
# runs `quantlab-ml run-daily --provider local` with every other setting of the gate at its default (5 bps taker fee,
# spread paid, walk-forward full-day test; every run its own fresh store, so each is a first model judged on the
# absolute checks and the baselines) and prints the promotion rate of each case. Not part of the test suite (~20 s a run).
# Usage: scripts/calibrate-gate.sh [--seeds N] [--first-seed S] [--hours H] [--wide-spread-bps B] [--keep DIR] [--cases "noise weak strong wide"]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh

seeds=5 first_seed=101 hours=6 wide=60 keep="" cases="noise weak strong wide"
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds) seeds=$2; shift 2 ;;
    --first-seed) first_seed=$2; shift 2 ;;
    --hours) hours=$2; shift 2 ;;
    --wide-spread-bps) wide=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    --cases) cases=$2; shift 2 ;;
    *) echo "error: unknown argument '$1' (see the header of $0)" >&2; exit 2 ;;
  esac
done

ensure_dotnet
PY=$(ensure_trainer_venv)
echo "building quantlab-ml (Release)" >&2
dotnet build src/QuantLab.Ml.Cli -c Release -v quiet -nologo >&2
cli() { dotnet src/QuantLab.Ml.Cli/bin/Release/net10.0/quantlab-ml.dll "$@"; }

work=${keep:-$(mktemp -d)}
mkdir -p "$work"
[ -n "$keep" ] || trap 'rm -rf "$work"' EXIT
export QUANTLAB_Trainer__Python=$PY
# The sample days cover $hours hours; a production day must cover 12 (DataCheck:MinCoveredHours).
export QUANTLAB_DataCheck__MinCoveredHours=$hours

from=2026-03-01 date=2026-03-02
printf '%-7s %5s %8s %7s %9s %9s %9s  %s\n' case seed decision trades "net %" "imb.base%" "PSR" "failed checks" >&2
declare -A promoted total
for case in $cases; do
  promoted[$case]=0 total[$case]=0
  for ((s = first_seed; s < first_seed + seeds; s++)); do
    dir="$work/$case-$s"
    mkdir -p "$dir"
    horizon=120
    case $case in
      noise) args=(--regime noise) ;;
      weak) args=(--regime signal) horizon=10 ;;
      strong) args=(--regime flow) ;;
      wide) args=(--regime flow --spread-bps "$wide") ;;
      *) echo "error: unknown case '$case' (noise, weak, strong, wide)" >&2; exit 2 ;;
    esac
    cli data sample --symbol btcusdt --from "$from" --days 2 --hours "$hours" --seed "$s" "${args[@]}" --out "$dir/data" > /dev/null 2> "$dir/sample.log"
    QUANTLAB_Dataset__HorizonBars=$horizon cli run-daily --symbol btcusdt --date "$date" --data "$dir/data" --store "$dir/store" --provider local --json > "$dir/run.json" 2> "$dir/run.log" || true
    line=$(python3 - "$dir/run.json" "$dir/store/models/candidates/btcusdt/$date/promotion.json" <<'PY'
import json, sys
try:
    run = json.load(open(sys.argv[1]))["runs"][0]
    m = run["candidate"]["metrics"]
    b = run["candidate"].get("imbalance_baseline") or {}
    decision = run["promotion"]["decision"]
    failed = [c["name"] for c in json.load(open(sys.argv[2]))["decision"]["checks"] if not c["passed"]]
    print(f'{decision} {m["n_trades"]} {100 * m["total_return"]:.2f} {100 * b.get("total_return", float("nan")):.2f} {m["probabilistic_sharpe"]} {",".join(failed) or "-"}')
except Exception as e:  # a failed run is a calibration result too: print it, do not stop
    print(f"failed 0 nan nan nan {type(e).__name__}")
PY
)
    read -r decision trades net base psr failed <<< "$line"
    printf '%-7s %5s %8s %7s %9s %9s %9.4s  %s\n' "$case" "$s" "$decision" "$trades" "$net" "$base" "$psr" "$failed" >&2
    total[$case]=$((total[$case] + 1))
    [ "$decision" = promoted ] && promoted[$case]=$((promoted[$case] + 1))
  done
done

echo
echo "promotion rate per case ($(date -u +%Y-%m-%d), $seeds seeds from $first_seed, 2 x ${hours} h btcusdt at 4 updates/s, gate defaults; horizon 120 bars except weak 10; wide = --spread-bps $wide)"
for case in $cases; do
  printf '  %-7s %d/%d\n' "$case" "${promoted[$case]}" "${total[$case]}"
done
echo "  configured false-promotion level of the Sharpe test alone: 1 - Promotion:MinProbabilisticSharpe = 0.05"
