#!/usr/bin/env bash
# Which identify method and fit budget to ship: accuracy and time per query on the same seen
# players' held-out query sets (same seed), one run per variant. Results: bench/results/.
# Usage: bench/sweep-identify.sh [MODEL] [PLAYERS]
set -euo pipefail
model="${1:-models/demo}"
players="${2:-15}"
mkdir -p bench/results
run() {
  local label="$1"; shift
  .venv/bin/stylespace bench stylometry --model "$model" --max-players "$players" --queries 1 \
    --sizes 100 20 5 --json "$@" > "bench/results/identify-$label.json"
  python3 - "$label" "bench/results/identify-$label.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[2]))
rows = " | ".join(f"{s}: {r['seen'][s]['top1']:.0%}" for s in ("100", "20", "5"))
print(f"{sys.argv[1]:<28} {rows} | median {r['median_identify_seconds']} s/query")
PY
}
run fingerprint --method fingerprint
run similarity-30x512-p6 --method similarity --steps 30 --batch-size 512 --patience 6
run similarity-12x512 --method similarity --steps 12 --batch-size 512 --patience 0
run gradient --method gradient
run likelihood-12x512 --method likelihood --steps 12 --batch-size 512 --patience 0
