#!/usr/bin/env bash
# fuzz.sh gives every fuzz target in the module a short run.
#   FUZZTIME=30s scripts/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime="${FUZZTIME:-30s}"
go test -list '^Fuzz' ./... | awk '/^Fuzz/ {names = names " " $1} /^ok/ {if (names != "") print $2 names; names = ""}' |
while read -r pkg targets; do
  for t in ${targets}; do
    echo "fuzz: ${pkg} ${t} for ${fuzztime}" >&2
    go test -run '^$' -fuzz "^${t}\$" -fuzztime "${fuzztime}" "${pkg}"
  done
done
