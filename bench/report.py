#!/usr/bin/env python3
# report.py: turns the RESULT lines of one run.sh run into results.md (absolute figures and
# ratios against the peers) and chart.svg (calls/s per system per workload). Stdlib only.
import argparse
import datetime
import os
import platform
import subprocess

SYSTEMS = ["netrpc", "go-gob", "go-jsonrpc", "grpc", "raw-tcp", "netrpc-gob", "netrpc-tls"]
LABELS = {
    "netrpc": "netrpc",
    "go-gob": "Go net/rpc (gob)",
    "go-jsonrpc": "Go net/rpc/jsonrpc",
    "grpc": "gRPC C++ (callback)",
    "raw-tcp": "raw TCP (epoll)",
    "netrpc-gob": "netrpc client, gob → Go server",
    "netrpc-tls": "netrpc over TLS",
}
COLORS = {
    "netrpc": "#1f77b4", "go-gob": "#2ca02c", "go-jsonrpc": "#98df8a", "grpc": "#d62728",
    "raw-tcp": "#7f7f7f", "netrpc-gob": "#9467bd", "netrpc-tls": "#17becf",
}
WORKLOADS = {
    "W1": "small-mux (1 conn × 64)",
    "W2": "small-conns (16 conns × 8)",
    "W3": "pingpong (1 × 1)",
    "W4": "echo-4k (1 × 32)",
    "W5": "echo-1m (1 × 4)",
}


def parse(path):
    results, notes = {}, []
    with open(path) as f:
        for line in f:
            words = line.split()
            if not words:
                continue
            kv = dict(w.split("=", 1) for w in words[1:] if "=" in w)
            if words[0] == "RESULT":
                results[(kv["system"], kv["workload"])] = kv
            else:
                notes.append(line.strip())
    return results, notes


def fnum(x, digits=0):
    return f"{x:,.{digits}f}"


def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({cpu}), Linux {platform.release()}"


def commit(root):
    try:
        rev = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True).stdout.strip()
        # The run's own output (raw.txt, results.md) is not a change to what was measured.
        dirty = subprocess.run(["git", "-C", root, "status", "--porcelain", "--", ".",
                                ":(exclude)bench/results"],
                               capture_output=True, text=True).stdout.strip()
        return rev + (" + uncommitted changes" if dirty else "")
    except OSError:
        return "?"


def table(results):
    rows = ["| workload | system | calls/s | MiB/s | p50 µs | p99 µs | p99.9 µs | client CPU s "
            "| server CPU s | CPU µs/call | server peak RSS MiB |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for w in WORKLOADS:
        for s in SYSTEMS:
            r = results.get((s, w))
            if not r:
                continue
            calls = float(r["calls"])
            cpu = float(r["client_cpu_s"]) + float(r["server_cpu_s"])
            per_call = cpu / calls * 1e6 if calls else 0
            mib = fnum(float(r["mib_per_s"]), 1) if int(r["payload"]) else "–"
            rows.append(
                f"| {w} | {LABELS[s]} | {fnum(float(r['calls_per_s']))} | {mib} "
                f"| {r['p50_us']} | {r['p99_us']} | {r['p999_us']} | {r['client_cpu_s']} "
                f"| {r['server_cpu_s']} | {per_call:.1f} "
                f"| {int(r['server_rss_kib']) / 1024:.1f} |")
    return "\n".join(rows)


def ratios(results):
    peers = [s for s in ["go-gob", "go-jsonrpc", "grpc", "raw-tcp"]
             if any((s, w) in results for w in WORKLOADS)]
    head = "| workload | " + " | ".join(f"netrpc ÷ {LABELS[p]}" for p in peers) + " |"
    rows = [head, "|---|" + "---:|" * len(peers)]
    for w in WORKLOADS:
        n = results.get(("netrpc", w))
        if not n:
            continue
        cells = []
        for p in peers:
            r = results.get((p, w))
            if not r or float(r["calls_per_s"]) == 0:
                cells.append("–")
                continue
            thr = float(n["calls_per_s"]) / float(r["calls_per_s"])
            p50 = float(n["p50_us"]) / float(r["p50_us"]) if float(r["p50_us"]) else 0
            cells.append(f"{thr:.2f}× calls/s, {p50:.2f}× p50")
        rows.append(f"| {w} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def chart(results, path):
    systems = [s for s in SYSTEMS if any((s, w) in results for w in WORKLOADS)]
    panel_w, panel_h, top, bottom, left = 190, 260, 60, 70, 20
    bar_w = (panel_w - 30) / max(len(systems), 1)
    width = left + panel_w * len(WORKLOADS) + 20
    height = top + panel_h + bottom + 20 * len(systems)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{left}" y="22" font-size="15">calls/s per system and workload '
           f'(each panel has its own linear scale)</text>']
    for i, w in enumerate(WORKLOADS):
        x0 = left + i * panel_w
        vals = {s: float(results[(s, w)]["calls_per_s"]) for s in systems if (s, w) in results}
        top_val = max(vals.values(), default=1) or 1
        out.append(f'<text x="{x0 + panel_w / 2 - 10}" y="{top - 20}" text-anchor="middle" '
                   f'font-weight="bold">{w}</text>')
        out.append(f'<text x="{x0 + panel_w / 2 - 10}" y="{top - 6}" text-anchor="middle">'
                   f'{WORKLOADS[w]}</text>')
        base = top + panel_h
        out.append(f'<line x1="{x0}" y1="{base}" x2="{x0 + panel_w - 20}" y2="{base}" '
                   f'stroke="black"/>')
        for j, s in enumerate(systems):
            if s not in vals:
                continue
            h = (panel_h - 20) * vals[s] / top_val
            x = x0 + j * bar_w
            out.append(f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{bar_w - 3:.1f}" '
                       f'height="{h:.1f}" fill="{COLORS[s]}"/>')
            label = f"{vals[s] / 1000:.0f}k" if vals[s] >= 10000 else f"{vals[s]:.0f}"
            out.append(f'<text x="{x + (bar_w - 3) / 2:.1f}" y="{base - h - 3:.1f}" '
                       f'text-anchor="middle" font-size="9">{label}</text>')
    for j, s in enumerate(systems):
        y = top + panel_h + 30 + 20 * j
        out.append(f'<rect x="{left}" y="{y - 10}" width="12" height="12" fill="{COLORS[s]}"/>')
        out.append(f'<text x="{left + 18}" y="{y}">{LABELS[s]}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--warmup", default="2")
    ap.add_argument("--window", default="10")
    ap.add_argument("--pinned", default="0")
    ap.add_argument("--root", default=".")
    a = ap.parse_args()
    results, notes = parse(a.raw)
    pinned = ("server on CPU 0, client on CPU 1 (taskset)" if a.pinned == "1"
              else "not pinned (the scheduler places both on the 2 shared cores)")
    short = "" if float(a.window) >= 10 else " — **short window: a smoke run, not a result**"
    md = [
        "# netrpc benchmark results",
        "",
        f"Generated by `bench/run.sh` on {datetime.datetime.now():%Y-%m-%d %H:%M}, "
        f"commit {commit(a.root)}.",
        f"Machine: {machine()}. Client and server are separate processes on 127.0.0.1, "
        f"a fresh server per workload; {pinned}.",
        f"Warm-up {a.warmup} s, measured window {a.window} s{short}. Latencies come from a "
        "log-linear histogram (bucket upper bounds, ~3% wide). CPU is utime+stime over the "
        "window; RSS is the server's VmHWM.",
        "",
        "## Ratios (netrpc ÷ peer, same run)",
        "",
        "Each cell: netrpc's calls/s ÷ the peer's (above 1: netrpc is faster), then netrpc's p50 "
        "latency ÷ the peer's (below 1: netrpc answers sooner).",
        "",
        ratios(results),
        "",
        "## Absolute figures",
        "",
        table(results),
        "",
        "![calls/s per system per workload](chart.svg)",
        "",
    ]
    if notes:
        md += ["## Notes", ""] + [f"- `{n}`" for n in notes] + [""]
    with open(os.path.join(a.out, "results.md"), "w") as f:
        f.write("\n".join(md))
    chart(results, os.path.join(a.out, "chart.svg"))


if __name__ == "__main__":
    main()
