#!/usr/bin/env python3
"""Small helpers for tests/bench/run (python3 stdlib only).

Subcommands:
  snap ROOTPID OUTFILE
      Write "pid ticks" for every user process that is NOT ROOTPID or one of
      its descendants (the harness, its daemons and fio are excluded; kernel
      threads are excluded), ticks = utime+stime+cutime+cstime, plus the
      machine's busy ticks and the ticks of ROOTPID's own tree.
  foreign SNAP0 SNAP1 SECONDS
      Print the CPU used by foreign processes between two snapshots, in % of
      one CPU (see foreign_pct for how it is estimated).
  quiet ROOTPID WINDOW
      Take two snapshots WINDOW seconds apart and print the foreign % of a CPU.
  pre ROOTPID DAEMONPID OUTFILE
      Like snap, and also record the time, DAEMONPID's utime+stime ticks and
      the machine's steal and total ticks (the state before one fio run).
  post ROOTPID DAEMONPID PREFILE [--foreign-out FILE] --csv FILE --json FIO_JSON
       key=value...
      The state after the run: compute foreign load, the daemon's ticks
      (srv_ticks, empty if it died) and steal_pct since PREFILE, then do
      what row does with them added.  Writes the foreign % to FILE.  One
      python start instead of four per fio run.
  pin READYFILE IMAGE...
      Keep the images' pages in the page cache: map each file shared and
      read-only, mlockall() (which also faults every page in), write "ok" to
      READYFILE and sleep until killed.  Locked page-cache pages cannot be
      reclaimed (e.g. by a DAMON pageout scheme), but are written back as
      usual.  On failure writes the error to READYFILE and exits 1.
  row --csv FILE --json FIO_JSON key=value...
      Parse one fio JSON result, append one CSV row (header written if the
      file is new) and print a one-line status.  Exit 0 if fio reported no
      error, 3 otherwise (the row is written in both cases).
  verify-row --csv FILE --json FIO_JSON --log FIO_STDERR key=value...
      Classify one fio --verify run as PASS / FAIL / ERROR, append a CSV row
      and print a one-line status.  Exit 0 for PASS, 1 for FAIL, 2 for ERROR.
"""
import csv
import ctypes
import json
import mmap
import os
import re
import signal
import sys
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")

RUN_FIELDS = [
    "time", "tag", "rep", "phase", "cell", "backend", "system", "rw", "bs",
    "engine", "iodepth", "jobs", "runtime_s", "iops", "bw_kib", "lat_us",
    "slat_us", "clat_us", "clat_p99_us", "ios", "srv_ticks", "clk_tck",
    "srv_cpu_us_per_req", "fio_usr_pct", "fio_sys_pct", "steal_pct",
    "foreign_pct", "quiet_wait_s", "fio_rc", "fio_error",
]

VERIFY_FIELDS = [
    "time", "tag", "rep", "system", "backend", "case", "iodepth", "jobs", "size",
    "result", "fio_rc", "fio_error", "verify_lines", "ios", "detail",
]


def read_stats():
    """Return {pid: (ppid, ticks)} for all processes readable in /proc."""
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                s = f.read()
        except OSError:
            continue
        # comm may contain spaces and parentheses: split after the last ')'
        rest = s[s.rfind(")") + 2:].split()
        ppid = int(rest[1])
        ticks = int(rest[11]) + int(rest[12]) + int(rest[13]) + int(rest[14])
        out[int(d)] = (ppid, ticks)
    return out


def machine_busy():
    """Busy ticks of the whole machine: user+nice+system+irq+softirq."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return v[0] + v[1] + v[2] + v[5] + v[6]


def foreign_snapshot(root):
    """Return ({pid: ticks} of foreign processes, machine busy ticks, ticks
    of ROOT's own process tree)."""
    busy = machine_busy()
    stats = read_stats()
    res, ours = {}, 0
    for pid, (ppid, ticks) in stats.items():
        if pid == 2 or ppid == 2:          # kthreadd and kernel threads
            continue
        q, mine = pid, False
        for _ in range(64):
            if q == root:
                mine = True
                break
            if q <= 1 or q not in stats:
                break
            q = stats[q][0]
        if mine:
            ours += ticks
        else:
            res[pid] = ticks
    return res, busy, ours


def write_snap(path, snap, extra=None):
    procs, busy, ours = snap
    with open(path, "w") as f:
        f.write(f"# {busy} {ours}\n")
        if extra is not None:
            f.write("@ " + " ".join(str(x) for x in extra) + "\n")
        for pid, t in procs.items():
            f.write(f"{pid} {t}\n")


def read_snap(path, with_extra=False):
    procs, busy, ours, extra = {}, 0, 0, None
    with open(path) as f:
        for line in f:
            a = line.split()
            if a[0] == "#":
                busy, ours = int(a[1]), int(a[2])
            elif a[0] == "@":
                extra = a[1:]
            else:
                procs[int(a[0])] = int(a[1])
    if with_extra:
        return (procs, busy, ours), extra
    return procs, busy, ours


def proc_ticks(pid):
    """utime+stime of PID (all its threads), or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
    except OSError:
        return None
    rest = s[s.rfind(")") + 2:].split()
    return int(rest[11]) + int(rest[12])


def cpu_steal_total():
    """(steal ticks, total ticks) of the machine from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return v[7], sum(v)


def run_state(root, daemon):
    """Everything measured around one fio run, in one pass: (snapshot,
    [monotonic time, daemon ticks or '-', steal ticks, total ticks]).
    The daemon is read first and the foreign snapshot last, so that the
    daemon's window is the tightest around the run."""
    t = proc_ticks(daemon)
    steal, total = cpu_steal_total()
    now = time.monotonic()
    return foreign_snapshot(root), [f"{now:.6f}", "-" if t is None else t, steal, total]


def state_delta(pre, post):
    """Return (seconds, srv_ticks ('' if the daemon was gone), steal %)
    between two run_state() extras."""
    secs = float(post[0]) - float(pre[0])
    ticks = "" if "-" in (pre[1], post[1]) else str(int(post[1]) - int(pre[1]))
    steal, total = int(post[2]) - int(pre[2]), int(post[3]) - int(pre[3])
    return secs, ticks, (100.0 * steal / total if total else 0.0)


def foreign_pct(s0, s1, seconds):
    """Foreign CPU between two snapshots in % of one CPU.

    Two estimates, both too high in some case, and the smaller one is used:
    the sum over foreign processes (a new process counts in full, and the
    ticks of a child that exits are counted again in its parent's cutime),
    and the machine's busy time minus our own tree (which also charges
    kernel work done for us, e.g. in softirqs, as foreign)."""
    p0, b0, o0 = s0
    p1, b1, o1 = s1
    ticks = 0
    for pid, t in p1.items():
        d = t - p0.get(pid, 0)
        if d > 0:
            ticks += d
    rest = max(0, (b1 - b0) - (o1 - o0))
    return 100.0 * min(ticks, rest) / CLK_TCK / max(seconds, 1e-3)


def load_fio_json(path):
    """fio may print warnings before the JSON object; skip to the first '{'."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return None
    i = text.find("{")
    if i < 0:
        return None
    try:
        return json.loads(text[i:])
    except ValueError:
        return None


def parse_kv(args):
    kv = {}
    for a in args:
        k, _, v = a.partition("=")
        kv[k] = v
    return kv


def append_row(path, fields, row):
    new = not os.path.exists(path) or os.path.getsize(path) == 0
    with open(path, "a", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        if new:
            w.writeheader()
        w.writerow(row)


def opt(argv, name):
    i = argv.index(name)
    val = argv[i + 1]
    del argv[i:i + 2]
    return val


def cmd_row(argv):
    csv_path = opt(argv, "--csv")
    js = load_fio_json(opt(argv, "--json"))
    kv = parse_kv(argv)
    row = {k: kv.get(k, "") for k in RUN_FIELDS}
    row["time"] = time.strftime("%H:%M:%S")
    row["clk_tck"] = CLK_TCK
    err = "no fio output"
    if js and js.get("jobs"):
        job = js["jobs"][0]          # --group_reporting: one entry
        rd, wr = job["read"], job["write"]
        d = wr if wr["io_bytes"] > rd["io_bytes"] else rd
        ios = rd["total_ios"] + wr["total_ios"]
        row["iops"] = f"{rd['iops'] + wr['iops']:.0f}"
        row["bw_kib"] = f"{rd['bw'] + wr['bw']:.0f}"
        row["lat_us"] = f"{d['lat_ns']['mean'] / 1000:.1f}"
        row["slat_us"] = f"{d['slat_ns']['mean'] / 1000:.1f}"
        row["clat_us"] = f"{d['clat_ns']['mean'] / 1000:.1f}"
        pct = d["clat_ns"].get("percentile", {})
        p99 = pct.get("99.000000")
        row["clat_p99_us"] = f"{p99 / 1000:.1f}" if p99 is not None else ""
        row["ios"] = ios
        row["fio_usr_pct"] = f"{job.get('usr_cpu', 0):.1f}"
        row["fio_sys_pct"] = f"{job.get('sys_cpu', 0):.1f}"
        ticks = kv.get("srv_ticks", "")
        if ios and ticks.isdigit():   # empty when the daemon died
            ticks = int(ticks)
            row["srv_cpu_us_per_req"] = f"{ticks * 1e6 / CLK_TCK / ios:.2f}"
        err = str(job.get("error", 0))
    if kv.get("fio_rc") == "hung":        # the harness's watchdog fired
        err = "hung"
    elif kv.get("fio_rc", "0") != "0" and err == "0":
        err = f"rc={kv['fio_rc']}"
    row["fio_error"] = err
    append_row(csv_path, RUN_FIELDS, row)
    ok = err == "0"
    unit = ""
    if ok:
        if row["bs"] not in ("4k", "4K"):
            unit = f"{float(row['bw_kib']) / 1024:8.0f} MiB/s"
        else:
            unit = f"{float(row['iops']) / 1000:8.1f} kIOPS"
    print(f"  {row['time']} rep {row['rep']} {row['cell']:<36} {row['system']:<10}"
          f" {unit if ok else 'FIO ERROR ' + err:>16}"
          f"  cpu/req {row['srv_cpu_us_per_req'] or '-':>6} us"
          f"  foreign {float(kv.get('foreign_pct') or 0):5.1f}%", flush=True)
    return 0 if ok else 3


VERIFY_RE = re.compile(r"verify|bad (magic|header)|crc32c", re.I)


def cmd_verify_row(argv):
    csv_path = opt(argv, "--csv")
    js = load_fio_json(opt(argv, "--json"))
    log_path = opt(argv, "--log")
    kv = parse_kv(argv)
    row = {k: kv.get(k, "") for k in VERIFY_FIELDS}
    row["time"] = time.strftime("%H:%M:%S")
    lines = []
    try:
        with open(log_path, errors="replace") as f:
            lines = [l.rstrip() for l in f if VERIFY_RE.search(l)]
    except OSError:
        pass
    errors, ios = set(), 0
    if js:
        for job in js.get("jobs", []):
            errors.add(int(job.get("error", 0)))
            ios += job["read"]["total_ios"] + job["write"]["total_ios"]
    errors.discard(0)
    rc = kv.get("fio_rc", "")
    row["verify_lines"] = len(lines)
    row["ios"] = ios
    row["fio_error"] = ",".join(str(e) for e in sorted(errors)) or "0"
    hung = []
    try:
        with open(log_path, errors="replace") as f:
            hung = [l.strip() for l in f if l.startswith("harness: fio hung")]
    except OSError:
        pass
    # EILSEQ (84) is how fio reports a checksum/header mismatch
    if hung:
        result, detail = "ERROR", hung[0]
    elif js is None:
        result, detail = "ERROR", "no fio output"
    elif lines or 84 in errors:
        result, detail = "FAIL", (lines[0][:120] if lines else "EILSEQ")
    elif errors or rc != "0":
        result, detail = "ERROR", f"fio error {row['fio_error']} rc={rc}"
    else:
        result, detail = "PASS", ""
    row["result"], row["detail"] = result, detail
    append_row(csv_path, VERIFY_FIELDS, row)
    print(f"  rep {row['rep']} {row['system']:<10} {row['backend']:<6} {row['case']:<10} {result:<5}"
          f" verify-lines={len(lines)} fio_error={row['fio_error']} {detail}", flush=True)
    return {"PASS": 0, "FAIL": 1}.get(result, 2)


MCL_CURRENT = 1


def cmd_pin(ready, images):
    maps = []
    try:
        for path in images:
            with open(path, "rb") as f:
                maps.append(mmap.mmap(f.fileno(), 0, flags=mmap.MAP_SHARED,
                                      prot=mmap.PROT_READ))
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.mlockall(MCL_CURRENT) != 0:
            e = ctypes.get_errno()
            raise OSError(e, f"mlockall: {os.strerror(e)}")
    except (OSError, ValueError) as e:
        with open(ready, "w") as f:
            f.write(f"error: {e}\n")
        return 1
    with open(ready, "w") as f:
        f.write("ok\n")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        signal.pause()


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd, args = argv[1], argv[2:]
    if cmd == "snap":
        write_snap(args[1], foreign_snapshot(int(args[0])))
    elif cmd == "foreign":
        print(f"{foreign_pct(read_snap(args[0]), read_snap(args[1]), float(args[2])):.1f}")
    elif cmd == "quiet":
        root, window = int(args[0]), float(args[1])
        s0 = foreign_snapshot(root)
        t0 = time.monotonic()
        time.sleep(window)
        s1 = foreign_snapshot(root)
        print(f"{foreign_pct(s0, s1, time.monotonic() - t0):.1f}")
    elif cmd == "pre":
        snap, extra = run_state(int(args[0]), int(args[1]))
        write_snap(args[2], snap, extra)
    elif cmd == "post":
        # measure first: everything below is bookkeeping
        snap1, extra1 = run_state(int(args[0]), int(args[1]))
        snap0, extra0 = read_snap(args[2], with_extra=True)
        rest = args[3:]
        fout = opt(rest, "--foreign-out") if "--foreign-out" in rest else None
        secs, ticks, steal = state_delta(extra0, extra1)
        fo = foreign_pct(snap0, snap1, secs)
        if fout:
            with open(fout, "w") as f:
                f.write(f"{fo:.1f}\n")
        return cmd_row(rest + [f"srv_ticks={ticks}", f"steal_pct={steal:.1f}",
                               f"foreign_pct={fo:.1f}"])
    elif cmd == "pin":
        return cmd_pin(args[0], args[1:])
    elif cmd == "row":
        return cmd_row(args)
    elif cmd == "verify-row":
        return cmd_verify_row(args)
    else:
        sys.exit(f"unknown subcommand {cmd}\n{__doc__}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except KeyboardInterrupt:
        sys.exit(130)
