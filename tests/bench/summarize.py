#!/usr/bin/env python3
"""Summaries of tests/bench/run results (python3 stdlib only).

  summarize.py [--subject SYS[,SYS...]] [--max-foreign PCT] [--out DIR] runs.csv...
      Median throughput, spread (max-min)/median, server CPU per request and
      latency for every (cell, system), ratios SUBJECT/peer for every cell,
      subject and peer.  Subjects (default ours,ours-uring) are those of the
      list that occur in the runs (else the first system); peers are the
      other systems.
      Writes DIR/summary.md, DIR/summary.csv and (if gnuplot is installed)
      DIR/bench.png; prints the markdown.  Runs whose foreign CPU load was
      above PCT % of a CPU are dropped, unless that would leave a cell
      empty (then all its runs are kept and the cell is marked with '*').
  summarize.py --verify [--out DIR] verify.csv...
      PASS/FAIL table of --verify runs (DIR/verify.md).

Several CSV files may be given (e.g. two runs on different days); their
runs are pooled per cell.  Speed is never asserted: the exit status is 0
unless the input cannot be read.
"""
import argparse
import csv
import os
import shutil
import statistics
import subprocess
import sys
from collections import defaultdict


def load(paths):
    rows = []
    for p in paths:
        with open(p, newline="") as f:
            rows.extend(csv.DictReader(f))
    return rows


def ordered(values):
    seen = []
    for v in values:
        if v not in seen:
            seen.append(v)
    return seen


def fnum(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def throughput(r):
    """Operations per second (for 1 MiB blocks this equals MiB/s)."""
    return fnum(r["iops"])


def is_big(cell_rows):
    return cell_rows[0]["bs"].lower() not in ("4k",)


def fmt_tp(v, big):
    if v is None:
        return "-"
    if big:
        return f"{v:.0f} MiB/s"
    return f"{v / 1000:.1f}k"


class Cell:
    """Statistics of one (cell, system) pair."""

    def __init__(self, runs, max_foreign):
        ok = [r for r in runs if r["fio_error"] == "0" and throughput(r) is not None]
        self.errors = len(runs) - len(ok)
        quiet = [r for r in ok if (fnum(r["foreign_pct"]) or 0) <= max_foreign]
        self.noisy = bool(ok) and not quiet
        self.dropped = len(ok) - len(quiet) if quiet else 0
        self.runs = quiet or ok
        self.n = len(self.runs)
        self.big = bool(runs) and is_big(runs)

    def med(self, field):
        vals = [fnum(r[field]) for r in self.runs]
        vals = [v for v in vals if v is not None]
        return statistics.median(vals) if vals else None

    @property
    def tp(self):
        vals = [throughput(r) for r in self.runs]
        if self.big:
            vals = [fnum(r["bw_kib"]) / 1024 for r in self.runs]
        return statistics.median(vals) if vals else None

    @property
    def spread(self):
        vals = [throughput(r) for r in self.runs]
        if len(vals) < 2:
            return None
        m = statistics.median(vals)
        return (max(vals) - min(vals)) / m if m else None


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def fmt_ratio(x):
    return "-" if x is None else f"{x:.2f}"


def ratio_pairs(systems, wanted):
    """Order the systems subjects first and return (systems, subjects,
    pairs): the subjects are the systems named in WANTED (in that order),
    else the first system; pairs (subject, peer) cover every subject with
    every other system, or, with no other system, every further subject
    over the first one."""
    subjects = [s for s in wanted if s in systems] or systems[:1]
    rest = [s for s in systems if s not in subjects]
    pairs = [(a, b) for a in subjects for b in rest]
    if not rest:
        pairs = [(a, subjects[0]) for a in subjects[1:]]
    return subjects + rest, subjects, pairs


def summarize(args):
    rows = load(args.csv)
    if not rows:
        sys.exit("summarize: no runs")
    cells = ordered(r["cell"] for r in rows)
    systems, subjects, pairs = ratio_pairs(ordered(r["system"] for r in rows),
                                           [s for s in args.subject.split(",") if s])
    groups = defaultdict(list)
    for r in rows:
        groups[(r["cell"], r["system"])].append(r)
    stats = {k: Cell(v, args.max_foreign) for k, v in groups.items()}

    def get(cell, sys_):
        return stats.get((cell, sys_))

    md = []
    tags = ordered(r["tag"] for r in rows)
    md.append(f"# storage-daemon FUSE benchmark ({', '.join(tags)})\n")
    env = os.path.join(os.path.dirname(os.path.abspath(args.csv[0])), "env.txt")
    if os.path.exists(env):
        with open(env) as f:
            md.append("```\n" + f.read().rstrip() + "\n```\n")
    head_sys = " | ".join(systems)
    head_ratio = " | ".join(f"{a}/{b}" for a, b in pairs)
    sep = "|---|" + "---:|" * (len(systems) + len(pairs))

    def table(title, cellfmt, ratiofn):
        md.append(f"## {title}\n")
        md.append(f"| cell | {head_sys} |" + (f" {head_ratio} |" if pairs else ""))
        md.append(sep)
        for c in cells:
            vals = []
            for s in systems:
                st = get(c, s)
                vals.append(cellfmt(st) if st and st.n else ("error" if st else "-"))
            rats = []
            for sa, sb in pairs:
                a, b = get(c, sa), get(c, sb)
                rats.append(fmt_ratio(ratiofn(a, b)) if a and b and a.n and b.n else "-")
            md.append(f"| {c} | " + " | ".join(vals) + " |" + ("".join(f" {x} |" for x in rats)))
        md.append("")

    def tp_fmt(st):
        sp = st.spread
        extra = f"±{100 * sp:.0f}%, " if sp is not None else ""
        return f"{fmt_tp(st.tp, st.big)} ({extra}n={st.n}){'*' if st.noisy else ''}"

    table("Throughput: median (spread (max-min)/median, runs); kIOPS for 4k, MiB/s for 1m",
          tp_fmt, lambda a, b: ratio(a.tp, b.tp))
    table("Server CPU time per request (µs, median; utime+stime from /proc/PID/stat)",
          lambda st: "-" if st.med("srv_cpu_us_per_req") is None else f"{st.med('srv_cpu_us_per_req'):.1f}",
          lambda a, b: ratio(a.med("srv_cpu_us_per_req"), b.med("srv_cpu_us_per_req")))
    table("Mean latency / mean submission latency (µs, median)",
          lambda st: f"{st.med('lat_us'):.0f} / {st.med('slat_us'):.1f}",
          lambda a, b: ratio(a.med("lat_us"), b.med("lat_us")))

    used = sum(st.n for st in stats.values())
    dropped = sum(st.dropped for st in stats.values())
    errors = sum(st.errors for st in stats.values())
    noisy = sorted(f"{c}/{s}" for (c, s), st in stats.items() if st.noisy)
    noisy_runs = sum(st.n for st in stats.values() if st.noisy)
    steal = [fnum(r["steal_pct"]) or 0 for r in rows]
    foreign = [fnum(r["foreign_pct"]) or 0 for r in rows]
    md.append("## Notes\n")
    md.append(f"- {used} runs used, {dropped} dropped for foreign CPU load > {args.max_foreign}% "
              f"of a CPU, {errors} fio errors.")
    if noisy:
        which = ", ".join(noisy) if len(noisy) <= 6 else "see runs.csv"
        md.append(f"- `*`: all runs of the cell had foreign load above the limit and were kept "
                  f"({len(noisy)} of {len(stats)} cell/system pairs, {noisy_runs} runs: {which}). "
                  f"Treat those numbers as indicative only.")
    md.append(f"- Foreign CPU per run (% of one CPU): median {statistics.median(foreign):.0f}, "
              f"max {max(foreign):.0f}. Steal: median {statistics.median(steal):.1f}%, "
              f"max {max(steal):.1f}%.")
    md.append(f"- Ratios are subject/peer of the medians (subjects: {', '.join(subjects)}): "
              f"above 1 means the subject has more throughput, more CPU per request or more "
              f"latency.")
    if "ours-uring" in systems:
        md.append("- `ours-uring` is the same daemon as `ours` with `io-uring=on` on its exports "
                  "(FUSE-over-io_uring; the harness sets the kernel's `enable_uring` for the run).")
    md.append("- `2j2iot` cells: fio --numjobs=2; ours (and ours-uring) get two IOThreads "
              "(one queue each), "
              "QSD 7.2 accepts only a single iothread (iot0), fuse-floor runs -t 2.")
    md.append("- fuse-floor (`ff`) answers without storing data, so it only appears in null cells.")
    md.append("- Server CPU comes from 100 Hz ticks: compare systems, do not read it as exact.")
    text = "\n".join(md) + "\n"

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "summary.md"), "w") as f:
        f.write(text)
    with open(os.path.join(args.out, "summary.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["cell", "system", "n", "noisy", "median_iops", "median_mib_s", "spread",
                    "cpu_us_per_req", "lat_us", "slat_us"]
                   + [f"{k}_ratio_{sub}_over_system" for sub in subjects for k in ("tp", "cpu")])
        for c in cells:
            for s in systems:
                st = get(c, s)
                if not st or not st.n:
                    continue
                iops = statistics.median([throughput(r) for r in st.runs])
                mib = statistics.median([fnum(r["bw_kib"]) / 1024 for r in st.runs])
                sp = st.spread
                cpu = st.med("srv_cpu_us_per_req")
                rats = []
                for sub in subjects:
                    a = get(c, sub)
                    tr = ratio(a.tp, st.tp) if a and a.n else None
                    cr = ratio(a.med("srv_cpu_us_per_req"), cpu) if a and a.n else None
                    rats += ["" if tr is None else f"{tr:.3f}", "" if cr is None else f"{cr:.3f}"]
                w.writerow([c, s, st.n, int(st.noisy), f"{iops:.0f}", f"{mib:.1f}",
                            "" if sp is None else f"{sp:.3f}",
                            "" if cpu is None else f"{cpu:.2f}",
                            f"{st.med('lat_us'):.1f}", f"{st.med('slat_us'):.1f}"] + rats)
    plot(args.out, cells, systems, pairs, get)
    print(text)


def plot(out, cells, systems, pairs, get):
    gp = shutil.which("gnuplot")
    if not gp:
        print("summarize: gnuplot not installed, no chart", file=sys.stderr)
        return
    dat = os.path.join(out, "chart.dat")
    with open(dat, "w") as f:
        f.write("# cell " + " ".join(systems) + " " + " ".join(f"{a}/{b}" for a, b in pairs) + "\n")
        for c in cells:
            vals = []
            for s in systems:
                st = get(c, s)
                vals.append(f"{statistics.median([throughput(r) for r in st.runs]):.0f}"
                            if st and st.n else "?")
            for sa, sb in pairs:
                a, b = get(c, sa), get(c, sb)
                r = ratio(a.tp, b.tp) if a and b and a.n and b.n else None
                vals.append("?" if r is None else f"{r:.3f}")
            f.write(f"{c} " + " ".join(vals) + "\n")
    ns = len(systems)
    width = max(900, 40 * len(cells) * max(1, ns) // 2 + 200)
    top = ", ".join(
        ("'{0}' using {1}:xtic(1) title '{2}'" if i == 0 else "'' using {1} title '{2}'")
        .format(dat, i + 2, s) for i, s in enumerate(systems))
    bottom = ", ".join(
        ("'{0}' using {1}:xtic(1) title '{2}'" if i == 0 else "'' using {1} title '{2}'")
        .format(dat, ns + i + 2, f"{a}/{b}") for i, (a, b) in enumerate(pairs))
    script = f"""
set terminal pngcairo size {width},1300 noenhanced font ',10'
set output '{os.path.join(out, 'bench.png')}'
set datafile missing '?'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set xtics rotate by -40 scale 0
set grid ytics
set key top right
set rmargin 12
set bmargin 12
set multiplot layout 2,1
set title 'Median operations/s per cell (log scale; 1m cells: ops/s = MiB/s)'
set logscale y
set ylabel 'ops/s'
plot {top}
unset logscale y
set title 'Throughput ratio subject/peer (1 = equal)'
set ylabel 'ratio'
set yrange [0:*]
""" + (f"plot {bottom}, 1 with lines lc rgb 'black' dt 2 notitle\n" if pairs else
       "plot 1 with lines notitle\n") + "unset multiplot\n"
    gpfile = os.path.join(out, "chart.gp")
    with open(gpfile, "w") as f:
        f.write(script)
    r = subprocess.run([gp, gpfile], capture_output=True, text=True)
    if r.returncode != 0:
        # pngcairo missing: retry with the libgd terminal
        script = script.replace("pngcairo", "png")
        with open(gpfile, "w") as f:
            f.write(script)
        r = subprocess.run([gp, gpfile], capture_output=True, text=True)
    if r.returncode != 0:
        print(f"summarize: gnuplot failed: {r.stderr.strip()}", file=sys.stderr)


def verify(args):
    rows = load(args.csv)
    if not rows:
        sys.exit("summarize: no verify runs")
    systems = ordered(r["system"] for r in rows)
    cases = ordered(r["case"] for r in rows)
    res = defaultdict(list)
    for r in rows:
        res[(r["case"], r["system"])].append(r)
    md = ["# fio --verify=crc32c, randwrite 4k libaio, file-backed raw export\n",
          "| case | " + " | ".join(systems) + " |", "|---|" + "---|" * len(systems)]
    for c in cases:
        vals = []
        for s in systems:
            runs = res.get((c, s))
            if not runs:
                vals.append("-")
                continue
            bad = [r for r in runs if r["result"] != "PASS"]
            if not bad:
                vals.append(f"PASS ({len(runs)}/{len(runs)})")
                continue
            # FAIL (data corruption) outranks ERROR (fio could not run)
            worst = "FAIL" if any(r["result"] == "FAIL" for r in bad) else "ERROR"
            lines = sum(int(r["verify_lines"] or 0) for r in bad)
            errs = ",".join(ordered(r["fio_error"] for r in bad))
            vals.append(f"**{worst}** ({len(bad)}/{len(runs)} runs; {lines} verify "
                        f"lines, fio error {errs})")
        md.append(f"| {c} | " + " | ".join(vals) + " |")
    md.append("\nqdN-jM = fio --iodepth=N --numjobs=M; each job writes its own region of "
              f"{rows[0]['size']} and then reads it back. (k/n): runs passed or failed.")
    text = "\n".join(md) + "\n"
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "verify.md"), "w") as f:
        f.write(text)
    print(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("csv", nargs="+")
    ap.add_argument("--subject", default="ours,ours-uring",
                    help="comma list of ratio subjects (default ours,ours-uring)")
    ap.add_argument("--max-foreign", type=float, default=25.0)
    ap.add_argument("--out", default=".")
    ap.add_argument("--verify", action="store_true")
    args = ap.parse_args()
    if args.verify:
        verify(args)
    else:
        summarize(args)


if __name__ == "__main__":
    main()
