#!/usr/bin/env python3
"""scaling.py: how each node's end-to-end frame time grows with its input.

Runs `gopercept bench <node> --json` on simulated drives of growing size and
plots p50 and p95 of the node's frame time (its "total" stage) against the
size, one panel per node:

  lidarseg   points per sweep: the lidar's rows x columns, 131k (HDL-64 x 2048)
             to 2.1M (OS1-128 x 16384); no cameras
  bevfusion  cameras: 1 (front), 4, 6, 8 (the simulator's rig presets; eight
             is the six-camera ring plus front and back long-range cameras,
             the most the encoder's dynamic camera batch takes)
  pose2d     people per frame: detector.max_people 1, 5, 10, 20, 30 on a
             drive with --crowd 10 (ten people every half second across the
             front camera's view: 30 or more in every frame); the people
             actually detected and posed are logged beside the cap

  tools/bench/scaling.py [--duration 1] [--out docs/scaling.svg]

Writes the plot (SVG, the command in a comment and in its metadata) and the
numbers beside it (<out>.json). matplotlib comes from a venv of its own under
.cache/scaling (pinned below); the script re-runs itself there when
matplotlib is missing. The drives are short (--duration seconds each) because
the machine is shared: a point's p95 rests on about 10 frames.
"""
import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
REQUIRES = ["matplotlib==3.9.2", "numpy==2.1.3"]
VENV = os.path.join(ROOT, ".cache", "scaling", "venv")


def ensure_matplotlib():
    try:
        import matplotlib  # noqa: F401
        return
    except ImportError:
        pass
    py = os.path.join(VENV, "bin", "python")
    if os.path.abspath(sys.executable) == os.path.abspath(py):
        sys.exit("scaling: matplotlib missing from " + VENV)
    if not os.path.exists(py):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    subprocess.run([py, "-m", "pip", "install", "-q"] + REQUIRES, check=True)
    os.execv(py, [py] + sys.argv)


# (node, x label, [(x, bench args)])
def series(duration):
    d = ["--duration", str(duration)]
    lidar = [("hdl64", 2048), ("os1-128", 2048), ("os1-128", 4096), ("os1-128", 8192), ("os1-128", 16384)]
    rows = {"hdl64": 64, "os1-128": 128}
    return [
        ("lidarseg", "points per sweep",
         [(rows[l] * c, d + ["--lidar", l, "--columns", str(c), "--cameras", "none"]) for l, c in lidar]),
        ("bevfusion", "cameras",
         [(n, d + ["--cameras", preset]) for n, preset in ((1, "front"), (4, "four"), (6, "six"), (8, "eight"))]),
        ("pose2d", "people per frame (detector.max_people)",
         [(k, d + ["--crowd", "10", "-p", f"pose2d:detector.max_people:={k}"]) for k in (1, 5, 10, 20, 30)]),
    ]


def bench(binary, node, args):
    cmd = [binary, "bench", node, "--json"] + args
    t0 = time.time()
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"scaling: {' '.join(cmd)} failed:\n{p.stderr}")
    rep = json.loads(p.stdout)
    tot = next(s for s in rep["stages"] if s["name"] == "total")
    print(f"scaling: {node} {' '.join(args)}: p50 {tot['p50_ms']:.1f} ms, p95 {tot['p95_ms']:.1f} ms "
          f"({time.time() - t0:.0f} s)", file=sys.stderr)
    return {"args": args, "p50_ms": tot["p50_ms"], "p95_ms": tot["p95_ms"], "frames": tot["count"],
            "workload": rep.get("workload"), "facts": rep.get("facts"), "machine": rep.get("machine")}


def plot(results, out, command, load):
    import matplotlib
    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "gopercept"  # stable ids across runs
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(results), figsize=(4.2 * len(results), 3.6))
    for ax, r in zip(axes, results):
        xs = [p["x"] for p in r["points"]]
        ax.plot(xs, [p["p50_ms"] for p in r["points"]], "o-", label="p50")
        ax.plot(xs, [p["p95_ms"] for p in r["points"]], "s--", label="p95")
        ax.axhline(r["target_ms"], color="grey", lw=0.8, ls=":", label=f"target {1000 / r['target_ms']:.0f} Hz")
        if r["node"] == "lidarseg":
            ax.set_xscale("log")
            ax.set_xticks(xs, [f"{x / 1e3:.0f}k" if x < 1e6 else f"{x / 1e6:.1f}M" for x in xs])
            ax.minorticks_off()
        ax.set_title(r["node"])
        ax.set_xlabel(r["xlabel"])
        ax.set_ylabel("frame time, ms")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"end to end on the simulated drive, CPU ({results[0]['points'][0]['machine']}, load average {load})",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(out, metadata={"Description": command, "Date": None})
    plt.close(fig)
    if out.endswith(".svg"):
        # The command as an XML comment too, where a reader of the file sees it.
        s = open(out).read()
        head, rest = s.split("\n", 1)
        open(out, "w").write(head + "\n<!-- made by: " + command.replace("--", "- -") + " -->\n" + rest)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--duration", type=float, default=1, help="seconds of simulated drive per point")
    ap.add_argument("--out", default="docs/scaling.svg")
    ap.add_argument("--gopercept", default="", help="a built gopercept (default: go build into .cache/scaling)")
    ap.add_argument("--nodes", default="lidarseg,bevfusion,pose2d")
    a = ap.parse_args()
    ensure_matplotlib()
    binary = a.gopercept
    if not binary:
        binary = os.path.join(ROOT, ".cache", "scaling", "gopercept")
        subprocess.run(["go", "build", "-o", binary, "./cmd/gopercept"], cwd=ROOT, check=True)
    # The targets: lidarseg 20 Hz, bevfusion 10 Hz, pose2d 30 FPS.
    targets = {"lidarseg": 50.0, "bevfusion": 100.0, "pose2d": 1000 / 30}
    results = []
    for node, xlabel, points in series(a.duration):
        if node not in a.nodes.split(","):
            continue
        r = {"node": node, "xlabel": xlabel, "target_ms": targets[node], "points": []}
        for x, args in points:
            p = bench(binary, node, args)
            p["x"] = x
            r["points"].append(p)
        results.append(r)
    load = "%.1f" % os.getloadavg()[0]
    command = "tools/bench/scaling.py " + " ".join(sys.argv[1:])
    out = os.path.join(ROOT, a.out)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(os.path.splitext(out)[0] + ".json", "w") as f:
        json.dump({"command": command, "load_average_at_end": load, "results": results}, f, indent=1)
        f.write("\n")
    plot(results, out, command, load)
    print(out)


if __name__ == "__main__":
    main()
