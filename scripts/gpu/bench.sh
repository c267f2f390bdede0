#!/usr/bin/env bash
# bench.sh runs the three nodes' end-to-end benchmarks (`gopercept bench
# <node> --json` on the simulated drive) with each execution provider alone,
# cpu, cuda and tensorrt, and prints one table: frame time p50 and p95, the
# inference stage's p50, frames per second at the median. A provider that
# cannot start on this machine is a row saying "not available" and why (no
# driver, no TensorRT libraries, a CPU-only ONNX Runtime), never a failure
# and never a silent CPU run: each run lists that provider alone, so ONNX
# Runtime has nothing to fall back to.
#
#   scripts/gpu/setup.sh            # once: the GPU build of ONNX Runtime
#   scripts/gpu/bench.sh            # FP16=1 for TensorRT fp16 engines
#
# It uses the GPU build when scripts/gpu/setup.sh has installed it (its
# env.sh), else the CPU library of scripts/fetch-ort.sh, where only the cpu
# rows run. The JSON of every run is kept under .cache/gpu-bench/<time>/.
# Environment:
#   NODES      nodes to run (default "lidarseg pose2d bevfusion")
#   PROVIDERS  providers to run (default "cpu cuda tensorrt")
#   DURATION   seconds of simulated drive per run (default 3)
#   FP16=1     let TensorRT build fp16 engines (the nodes' fp16 parameter)
#   DEVICE_ID  CUDA device (the nodes' device_id parameter; default 0)
#   GOPERCEPT  a built gopercept binary (default: built into .cache/gpu-bench)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "${root}"
NODES="${NODES:-lidarseg pose2d bevfusion}"
PROVIDERS="${PROVIDERS:-cpu cuda tensorrt}"
DURATION="${DURATION:-3}"
FP16="${FP16:-0}"
DEVICE_ID="${DEVICE_ID:-0}"

env_sh="${root}/.cache/ort-gpu/1.30.0/env.sh"
if [[ -f "${env_sh}" ]]; then
  # shellcheck source=/dev/null
  . "${env_sh}"
  echo "gpu/bench: ONNX Runtime GPU build ${GOPERCEPT_ORT_LIB}" >&2
else
  scripts/fetch-ort.sh >/dev/null
  echo "gpu/bench: no GPU build (scripts/gpu/setup.sh installs it); the CPU library, so only cpu runs" >&2
fi

bin="${GOPERCEPT:-}"
if [[ -z "${bin}" ]]; then
  mkdir -p .cache/gpu-bench
  bin="${root}/.cache/gpu-bench/gopercept"
  go build -o "${bin}" ./cmd/gopercept
fi
out="${root}/.cache/gpu-bench/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "${out}"

fp16=false
[[ "${FP16}" == 1 ]] && fp16=true
for n in ${NODES}; do
  # lidarseg's and pose2d's model parameters are under model.; bevfusion's
  # are top-level.
  pre=model.
  [[ "${n}" == bevfusion ]] && pre=
  drive="${out}/${n}.mcap"
  for p in ${PROVIDERS}; do
    echo "gpu/bench: ${n} on ${p}" >&2
    # The first run simulates the drive and keeps it; the others replay it.
    if [[ -f "${drive}" ]]; then
      input=("${drive}" --params "params/${n}.yaml,params/demo.yaml")
    else
      input=(--duration "${DURATION}" --save-bag "${drive}")
    fi
    if "${bin}" bench "${n}" "${input[@]}" --json \
      -p "${n}:${pre}providers:=[${p}]" -p "${n}:${pre}fp16:=${fp16}" -p "${n}:${pre}device_id:=${DEVICE_ID}" \
      >"${out}/${n}-${p}.json" 2>"${out}/${n}-${p}.err"; then
      :
    else
      rm -f "${out}/${n}-${p}.json"
    fi
  done
  rm -f "${drive}"
done

python3 - "${out}" "${NODES}" "${PROVIDERS}" "${fp16}" <<'PY'
import json, os, re, sys
out, nodes, providers, fp16 = sys.argv[1], sys.argv[2].split(), sys.argv[3].split(), sys.argv[4]

def stage(rep, name):
    for s in rep.get("stages") or []:
        if s["name"] == name:
            return s
    return None

def why(err):
    # The ProviderError's reason for the one provider listed, shortened.
    m = re.search(r"no execution provider could run it: \w+: (.*)", err)
    if not m:
        lines = [l for l in err.strip().splitlines() if l.strip()]
        return "failed: " + (lines[-1][:100] if lines else "no output")
    r = m.group(1)
    for key, short in (("no NVIDIA driver", "no NVIDIA driver"),
                       ("TensorRT's libraries are not on the library path", "TensorRT libraries not installed"),
                       ("has no GPU providers", "CPU-only ONNX Runtime (run scripts/gpu/setup.sh)")):
        if key in r:
            return short
    return r[:100]

rows = []
for n in nodes:
    for p in providers:
        js, er = os.path.join(out, f"{n}-{p}.json"), os.path.join(out, f"{n}-{p}.err")
        if os.path.exists(js):
            rep = json.load(open(js))
            tot, inf = stage(rep, "total"), stage(rep, "inference")
            # The nodes name their provider in a fact (execution_provider, or
            # inside the model's description).
            found = re.findall(r"\w+ExecutionProvider", " ".join((rep.get("facts") or {}).values()))
            ran = ", ".join(sorted(set(found)))
            rows.append([n, p, f"{tot['p50_ms']:.1f}" if tot else "-", f"{tot['p95_ms']:.1f}" if tot else "-",
                         f"{inf['p50_ms']:.1f}" if inf else "-", f"{rep['frames_per_second']:.1f}",
                         f"{rep['frames_processed']}/{rep['frames_in']}", ran])
        else:
            rows.append([n, p, "not available: " + why(open(er).read() if os.path.exists(er) else ""), "", "", "", "", ""])
head = ["node", "provider", "total p50 ms", "p95 ms", "inference p50 ms", "frames/s", "frames", "provider reported"]
print(f"| {' | '.join(head)} |")
print("|" + "---|" * len(head))
for r in rows:
    if r[2].startswith("not available"):
        print(f"| {r[0]} | {r[1]} | {r[2]} |" + " |" * (len(head) - 3))
    else:
        print(f"| {' | '.join(r)} |")
print(f"\nfp16 {fp16}; JSON and logs in {out}")
PY
