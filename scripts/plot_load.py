#!/usr/bin/python3
"""Draws `attnserve-cli load --json` sweeps as two PNG plots (Debian's python3-matplotlib):

  OUT_DIR/throughput_vs_concurrency.png  closed loop: requests/s and tokens/s at each concurrency
                                         (open loop only: achieved vs offered request rate)
  OUT_DIR/latency_vs_throughput.png      p50 / p90 / p99 / max latency against achieved
                                         requests/s, every level of every sweep

    attnserve-cli --target localhost:50051 load --concurrency 1,2,4,8,16,32 --json > sweep.json
    scripts/plot_load.py sweep.json plots/
    scripts/plot_load.py demo.json=demo minilm.json=MiniLM plots/   # several sweeps, labelled

Also prints the numbers it plotted as a table.
"""

import argparse
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")  # headless: no display needed
import matplotlib.pyplot as plt  # noqa: E402

PERCENTILES = [("p50_ms", "p50"), ("p90_ms", "p90"), ("p99_ms", "p99"), ("max_ms", "max")]
PERCENTILE_COLORS = ["tab:green", "tab:blue", "tab:orange", "tab:red"]
SWEEP_STYLES = [("o", "-"), ("s", "--"), ("^", "-."), ("D", ":")]


def load_sweep(spec):
    """FILE or FILE=LABEL -> (label, rows)."""
    path, _, label = spec.partition("=")
    with open(path) as f:
        rows = json.load(f)
    if not isinstance(rows, list) or not rows:
        raise SystemExit("%s: expected the JSON array printed by `attnserve-cli load --json`" % path)
    for r in rows:
        for key in ("mode", "level", "requests_per_s", "tokens_per_s", "p50_ms", "p99_ms"):
            if key not in r:
                raise SystemExit("%s: a row has no '%s': %s" % (path, key, r))
    return label or os.path.splitext(os.path.basename(path))[0], rows


def errors_of(row):
    return sum(row.get("errors", {}).values())


def short(v):
    return "%.1fk" % (v / 1000) if v >= 1000 else "%.0f" % v


def plot_throughput(sweeps, out):
    fig, ax = plt.subplots(figsize=(8, 5), dpi=120)
    closed_any = any(r["mode"] == "closed" for _, rows in sweeps for r in rows)
    mode = "closed" if closed_any else "open"
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    tops, lows = [], []
    for i, (label, rows) in enumerate(sweeps):
        pts = sorted((r for r in rows if r["mode"] == mode), key=lambda r: r["level"])
        if not pts:
            continue
        marker, style = SWEEP_STYLES[i % len(SWEEP_STYLES)]
        ax.plot([r["level"] for r in pts], [r["requests_per_s"] for r in pts], style,
                marker=marker, color=colors[i % len(colors)], label=label)
        tops.append(max(r["requests_per_s"] for r in pts))
        lows.append(min(r["requests_per_s"] for r in pts))
        for r in pts:
            note = "%s req/s\n%s tok/s" % (short(r["requests_per_s"]), short(r["tokens_per_s"]))
            if errors_of(r):
                note += "\n%d errors" % errors_of(r)
            ax.annotate(note, (r["level"], r["requests_per_s"]), textcoords="offset points",
                        xytext=(0, 8), ha="center", fontsize=7,
                        color="red" if errors_of(r) else "black")
    if closed_any:
        ax.set_xscale("log", base=2)
        ax.set_xlabel("concurrency (requests in flight, closed loop)")
        ax.set_title("Throughput vs concurrency")
    else:
        ax.set_xlabel("offered request rate (requests/s, open loop)")
        ax.set_title("Throughput vs offered rate")
    ax.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    ax.set_ylabel("requests/s (labels: requests/s and tokens/s)")
    if len(tops) > 1 and min(lows) > 0 and max(tops) / min(tops) > 5:
        # Sweeps of very different models: a log scale keeps the slow one readable.
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
        ax.set_ylim(min(lows) / 2, max(tops) * 3)
        ax.set_ylabel("requests/s, log scale (labels: requests/s and tokens/s)")
    else:
        ax.set_ylim(0, max(tops) * 1.2 if tops else 1)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def plot_latency(sweeps, out):
    fig, ax = plt.subplots(figsize=(8, 5), dpi=120)
    n = 0
    tops = []
    for label, rows in sweeps:
        for mode in ("closed", "open"):
            pts = sorted((r for r in rows if r["mode"] == mode), key=lambda r: r["level"])
            if not pts:
                continue
            marker, style = SWEEP_STYLES[n % len(SWEEP_STYLES)]
            n += 1
            x = [r["requests_per_s"] for r in pts]
            tops.append(max(x))
            for (key, name), color in zip(PERCENTILES, PERCENTILE_COLORS):
                ax.plot(x, [r[key] for r in pts], style, marker=marker, markersize=4,
                        color=color, label="%s %s %s" % (label, mode, name))
            for r in pts:
                tag = ("c=%g" if mode == "closed" else "%g/s") % r["level"]
                ax.annotate(tag, (r["requests_per_s"], r["max_ms"]), textcoords="offset points",
                            xytext=(0, 6), ha="center", fontsize=7)
    if len(tops) > 1 and min(tops) > 0 and max(tops) / min(tops) > 5:
        ax.set_xscale("log")  # sweeps of very different models
        ax.xaxis.set_major_locator(matplotlib.ticker.LogLocator(base=10, subs=(1, 2, 5)))
        ax.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(matplotlib.ticker.LogLocator(base=10, subs=(1, 2, 5)))
    ax.yaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xlabel("achieved throughput (requests/s); points labelled with their load level")
    ax.set_ylabel("latency (ms, log scale)")
    ax.set_title("Latency percentiles vs throughput")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, ncol=2, loc="best")
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def print_table(sweeps):
    print("%-12s %-6s %7s %9s %9s %9s %8s %8s %8s %8s %7s" % (
        "sweep", "mode", "level", "req/s", "seq/s", "tok/s", "p50 ms", "p90 ms", "p99 ms",
        "max ms", "errors"))
    for label, rows in sweeps:
        for r in rows:
            print("%-12s %-6s %7g %9.1f %9.1f %9.0f %8.2f %8.2f %8.2f %8.2f %7d" % (
                label, r["mode"], r["level"], r["requests_per_s"], r.get("sequences_per_s", 0),
                r["tokens_per_s"], r["p50_ms"], r.get("p90_ms", 0), r["p99_ms"],
                r.get("max_ms", 0), errors_of(r)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sweeps", nargs="+", metavar="LOAD.json[=LABEL]")
    parser.add_argument("out_dir", metavar="OUT_DIR")
    args = parser.parse_args()
    sweeps = [load_sweep(s) for s in args.sweeps]
    os.makedirs(args.out_dir, exist_ok=True)
    outputs = [os.path.join(args.out_dir, "throughput_vs_concurrency.png"),
               os.path.join(args.out_dir, "latency_vs_throughput.png")]
    plot_throughput(sweeps, outputs[0])
    plot_latency(sweeps, outputs[1])
    print_table(sweeps)
    for o in outputs:
        print("wrote", o)
    return 0


if __name__ == "__main__":
    sys.exit(main())
