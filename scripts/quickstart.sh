#!/usr/bin/env bash
# Fresh clone → a real nightly run on this machine: installs what is missing, generates sample data,
# runs `quantlab-ml run-daily --provider local` for btcusdt and prints the outcome.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh

ensure_dotnet
PY=$(ensure_trainer_venv)

echo "building quantlab-ml (Release)" >&2
dotnet build src/QuantLab.Ml.Cli -c Release -v quiet -nologo >&2
cli() { dotnet src/QuantLab.Ml.Cli/bin/Release/net10.0/quantlab-ml.dll "$@"; }

day=$(date -u -d yesterday +%Y-%m-%d)
if [ ! -f sample-data/compacted/_state.json ]; then
  # Two days: the default walk-forward evaluation trains on the first and tests on the second (a full, unseen day).
  echo "generating sample compact data for btcusdt, the 2 days to $day (6 hours each at 4 updates/s)" >&2
  cli data sample --symbol btcusdt --from "$(date -u -d "$day - 1 day" +%Y-%m-%d)" --days 2 --hours 6 --seed 11 --out sample-data >&2
fi

export QUANTLAB_Trainer__Python=$PY
# The sample day covers 6 hours to keep the demo quick; a production day must cover 12 (DataCheck:MinCoveredHours).
export QUANTLAB_DataCheck__MinCoveredHours=${QUANTLAB_DataCheck__MinCoveredHours:-6}
set +e
cli run-daily --symbol btcusdt --date "$day" --data sample-data --store .quantlab --provider local "$@"
code=$?
set -e
echo "exit code $code (0 finished, 1 failed, 2 bad usage, 3 data not ready); models: dotnet src/QuantLab.Ml.Cli/bin/Release/net10.0/quantlab-ml.dll models --symbol btcusdt --store .quantlab" >&2
exit $code
