#!/usr/bin/env bash
# fuzz.sh gives every fuzz target in the module a short run.
#   FUZZTIME=30s scripts/fuzz.sh [package pattern, default ./...]
# Under load Go's fuzz coordinator can give up on a worker with "context
# deadline exceeded" although no input failed; such a run is retried once.
# A run that found a crasher ("Failing input written to ...") is never
# retried. Every target runs; the script fails if any target failed.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime="${FUZZTIME:-30s}"
pattern="${1:-./...}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
failed=()

# run_target PKG TARGET: one fuzz run, output shown and kept in $log.
run_target() {
  go test -run '^$' -fuzz "^$2\$" -fuzztime "${fuzztime}" "$1" 2>&1 | tee "$log"
  return "${PIPESTATUS[0]}"
}

# is_flake: the failed run in $log is the coordinator's deadline, not an input.
is_flake() {
  grep -q 'context deadline exceeded' "$log" && ! grep -q 'Failing input written to' "$log"
}

targets=$(go test -list '^Fuzz' "${pattern}" | awk '/^Fuzz/ {names = names " " $1} /^ok/ {if (names != "") print $2 names; names = ""}')
while read -r pkg names; do
  [ -n "${pkg}" ] || continue
  for t in ${names}; do
    echo "fuzz: ${pkg} ${t} for ${fuzztime}" >&2
    if run_target "${pkg}" "${t}"; then continue; fi
    if is_flake; then
      echo "fuzz: ${pkg} ${t}: coordinator deadline flake, retrying once" >&2
      if run_target "${pkg}" "${t}"; then continue; fi
    fi
    echo "fuzz: ${pkg} ${t} FAILED" >&2
    failed+=("${pkg} ${t}")
  done
done <<<"${targets}"
if [ "${#failed[@]}" -gt 0 ]; then
  printf 'fuzz: failed: %s\n' "${failed[@]}" >&2
  exit 1
fi
