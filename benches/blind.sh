#!/usr/bin/env bash
# The catch rate of the faults written blind from the documents (src/mock/blind/):
# each switched on alone against its API's mock, with writes; a fault is caught
# when at least one case fails. Prints one line a fault and the rate; writes
# benches/blind.md. Not in CI: it runs every spec once per fault.
#   ASSAY_BIN=target/release/assay benches/blind.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${ASSAY_BIN:-target/release/assay}
[ -x "$bin" ] || { echo "no $bin: cargo build --release first" >&2; exit 2; }
out=benches/blind.md
caught=0; total=0; rows=""
while read -r name api _; do
  [ -n "$name" ] || continue
  total=$((total + 1))
  json=$("$bin" run "specs/$api.yaml" --mock-fault "$name" --allow-writes --format json || true)
  checks=$(printf '%s' "$json" | python3 -c '
import json, sys
r = json.load(sys.stdin)
failed = [c for c in r["cases"] if c["status"] == "failed"]
print(len(failed), ",".join(sorted({c["check"] for c in failed})) or "-")')
  n=${checks%% *}; by=${checks#* }
  if [ "$n" -gt 0 ]; then caught=$((caught + 1)); verdict=caught; else verdict=MISSED; fi
  printf '%-40s %-12s %-7s %4s failed  %s\n' "$name" "$api" "$verdict" "$n" "$by"
  rows+="| \`$name\` | $api | $verdict | $n | $by |"$'\n'
done < <("$bin" mock --list-faults | sed -n '/^written blind/,$p' | tail -n +2)
rate=$(( total > 0 ? caught * 100 / total : 0 ))
echo "caught $caught of $total blind faults ($rate %)"
{
  echo "# Blind faults: what the suite catches"
  echo
  echo "\`benches/blind.sh\` on $(date -u +%Y-%m-%d): caught $caught of $total ($rate %)."
  echo
  echo "| fault | API | verdict | cases failed | by checks |"
  echo "|---|---|---|---|---|"
  printf '%s' "$rows"
} > "$out"
