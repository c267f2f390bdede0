#!/usr/bin/env bash
# readme-tables.sh regenerates the node tables in README.md from the nodes'
# declarations (`gopercept nodes --markdown`).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
go run ./cmd/gopercept nodes --markdown > "$tmp"
python3 - "$tmp" <<'PY'
import sys
p = 'README.md'
s = open(p).read()
a = s.index('<!-- nodes:begin')
a = s.index('\n', a) + 1
b = s.index('<!-- nodes:end -->')
s = s[:a] + open(sys.argv[1]).read() + s[b:]
open(p, 'w').write(s)
PY
