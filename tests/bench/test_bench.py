#!/usr/bin/env python3
"""Self-test of the benchmark's arithmetic (no FUSE, no daemons, < 1 s):
   python3 tests/bench/test_bench.py"""
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import benchtool  # noqa: E402


def fio_json(path, rw="read", iops=1000.0, ios=2000, error=0, bw=4000):
    zero = {"io_bytes": 0, "total_ios": 0, "iops": 0.0, "bw": 0,
            "lat_ns": {"mean": 0}, "slat_ns": {"mean": 0}, "clat_ns": {"mean": 0}}
    d = {"io_bytes": ios * 4096, "total_ios": ios, "iops": iops, "bw": bw,
         "lat_ns": {"mean": 50000.0}, "slat_ns": {"mean": 2000.0},
         "clat_ns": {"mean": 48000.0, "percentile": {"99.000000": 90000}}}
    job = {"error": error, "usr_cpu": 10.0, "sys_cpu": 20.0,
           "read": d if rw == "read" else zero, "write": d if rw == "write" else zero}
    with open(path, "w") as f:
        f.write("fio: some warning before the JSON\n" + json.dumps({"jobs": [job]}))


def tool(*args):
    return subprocess.run([sys.executable, os.path.join(HERE, "benchtool.py"), *args],
                          capture_output=True, text=True)


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


class BenchTool(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.d = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    # Check that a fio JSON result becomes one CSV row with IOPS, latency in
    # microseconds and server CPU per request = ticks / CLK_TCK / ios.
    def test_row_from_fio_json(self):
        j, c = os.path.join(self.d, "f.json"), os.path.join(self.d, "runs.csv")
        fio_json(j, rw="write", iops=123456.4, ios=250000)
        r = tool("row", "--csv", c, "--json", j, "cell=x", "system=ours", "bs=4k",
                 "srv_ticks=50", "fio_rc=0", "foreign_pct=1.0")
        self.assertEqual(r.returncode, 0, r.stderr)
        row = read_csv(c)[0]
        self.assertEqual(row["iops"], "123456")
        self.assertEqual(row["lat_us"], "50.0")
        self.assertEqual(row["clat_p99_us"], "90.0")
        self.assertEqual(row["fio_error"], "0")
        want = 50 * 1e6 / benchtool.CLK_TCK / 250000
        self.assertAlmostEqual(float(row["srv_cpu_us_per_req"]), want, places=2)

    # Check that a fio error, a missing result or a hang is recorded and
    # reported by a non-zero exit status.
    def test_row_error(self):
        j, c = os.path.join(self.d, "f.json"), os.path.join(self.d, "runs.csv")
        fio_json(j, error=5)
        self.assertEqual(tool("row", "--csv", c, "--json", j, "bs=4k", "fio_rc=1").returncode, 3)
        self.assertEqual(tool("row", "--csv", c, "--json", j + ".missing", "bs=4k",
                              "fio_rc=1").returncode, 3)
        fio_json(j)       # fio finished "cleanly" only because the watchdog aborted
        self.assertEqual(tool("row", "--csv", c, "--json", j, "bs=4k", "fio_rc=hung").returncode, 3)
        rows = read_csv(c)
        self.assertEqual(rows[0]["fio_error"], "5")
        self.assertEqual(rows[1]["fio_error"], "no fio output")
        self.assertEqual(rows[2]["fio_error"], "hung")

    # Check that --verify runs are classified PASS (clean), FAIL (checksum or
    # header mismatch) and ERROR (any other fio failure).
    def test_verify_classification(self):
        c = os.path.join(self.d, "verify.csv")
        cases = [(0, "", "0", 0), (84, "verify: bad header offset 1, wanted 2\n", "1", 1),
                 (5, "fio: io_u error on file x: Input/output error\n", "1", 2)]
        for i, (err, log, rc, want) in enumerate(cases):
            j, lg = os.path.join(self.d, f"{i}.json"), os.path.join(self.d, f"{i}.log")
            fio_json(j, rw="write", error=err)
            with open(lg, "w") as f:
                f.write(log)
            r = tool("verify-row", "--csv", c, "--json", j, "--log", lg, f"fio_rc={rc}",
                     "system=s", f"case=c{i}")
            self.assertEqual(r.returncode, want, r.stdout + r.stderr)
        self.assertEqual([r["result"] for r in read_csv(c)], ["PASS", "FAIL", "ERROR"])

    # Check that foreign load counts only CPU of other processes, and never
    # more than the machine was busy outside our own process tree.
    def test_foreign_pct(self):
        t = benchtool.CLK_TCK
        s0 = ({10: 100, 11: 5}, 1000, 0)
        s1 = ({10: 100 + t // 2, 11: 5, 12: t // 4}, 1000 + 2 * t, t)
        self.assertAlmostEqual(benchtool.foreign_pct(s0, s1, 1.0), 75.0)
        # a child's ticks counted again in its parent's cutime: capped by busy-ours
        s1 = ({10: 100 + 3 * t}, 1000 + t, t // 2)
        self.assertAlmostEqual(benchtool.foreign_pct(s0, s1, 1.0), 50.0)


class RunState(unittest.TestCase):
    # Check that pre/post compute the daemon's ticks, steal and elapsed time
    # between two states, and leave srv_ticks empty when the daemon is gone.
    def test_state_delta(self):
        secs, ticks, steal = benchtool.state_delta(["10.0", "100", "5", "1000"],
                                                   ["12.5", "180", "15", "1400"])
        self.assertAlmostEqual(secs, 2.5)
        self.assertEqual(ticks, "80")
        self.assertAlmostEqual(steal, 2.5)
        self.assertEqual(benchtool.state_delta(["0", "100", "0", "0"], ["1", "-", "0", "0"])[1:],
                         ("", 0.0))

    # Check that "post" after "pre" writes one row with srv_ticks, steal and
    # foreign load filled in, and the foreign % to --foreign-out.
    def test_pre_post_row(self):
        with tempfile.TemporaryDirectory() as d:
            j, c, s0, fo = (os.path.join(d, x) for x in ("f.json", "runs.csv", "s0", "fo"))
            fio_json(j, ios=1000)
            me = str(os.getpid())
            self.assertEqual(tool("pre", me, me, s0).returncode, 0)
            r = tool("post", me, me, s0, "--foreign-out", fo, "--csv", c, "--json", j,
                     "cell=x", "system=ours-uring", "bs=4k", "fio_rc=0")
            self.assertEqual(r.returncode, 0, r.stderr)
            row = read_csv(c)[0]
            self.assertEqual(row["system"], "ours-uring")
            self.assertTrue(row["srv_ticks"].isdigit(), row)
            self.assertNotEqual(row["steal_pct"], "")
            with open(fo) as f:
                self.assertEqual(f.read().strip(), row["foreign_pct"])


class Pin(unittest.TestCase):
    # Check that "pin" locks the image's pages (VmLck covers the file) and
    # reports ok, and that a missing image is reported as an error.
    def test_pin(self):
        with tempfile.TemporaryDirectory() as d:
            img, ready = os.path.join(d, "img"), os.path.join(d, "ready")
            with open(img, "wb") as f:
                f.write(b"\1" * (1 << 20))
            p = subprocess.Popen([sys.executable, os.path.join(HERE, "benchtool.py"),
                                  "pin", ready, img])
            try:
                for _ in range(100):      # at most 5 s
                    if (os.path.exists(ready) and os.path.getsize(ready)) or p.poll() is not None:
                        break
                    time.sleep(0.05)
                with open(ready) as f:
                    self.assertEqual(f.read().strip(), "ok")
                with open(f"/proc/{p.pid}/status") as f:
                    lck = [int(l.split()[1]) for l in f if l.startswith("VmLck:")][0]
                self.assertGreaterEqual(lck, 1024)
            finally:
                p.terminate()
                self.assertEqual(p.wait(timeout=5), 0)
            r = tool("pin", ready, os.path.join(d, "missing"))
            self.assertEqual(r.returncode, 1)
            with open(ready) as f:
                self.assertTrue(f.read().startswith("error:"))


def write_runs(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=benchtool.RUN_FIELDS, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)


def run_row(cell, sys_, iops, foreign=0, cpu=5.0, bs="4k"):
    return {"tag": "t", "cell": cell, "system": sys_, "bs": bs, "iops": iops,
            "bw_kib": iops * 4, "lat_us": 10, "slat_us": 1, "srv_cpu_us_per_req": cpu,
            "steal_pct": 0, "foreign_pct": foreign, "fio_error": "0"}


class Summary(unittest.TestCase):
    # Check that the ratio subjects are ours and ours-uring when present
    # (each over every other system), else the first system.
    def test_ratio_pairs(self):
        import summarize
        got = summarize.ratio_pairs(["qsd", "ours-uring", "ff", "ours"], ["ours", "ours-uring"])
        self.assertEqual(got, (["ours", "ours-uring", "qsd", "ff"], ["ours", "ours-uring"],
                               [("ours", "qsd"), ("ours", "ff"),
                                ("ours-uring", "qsd"), ("ours-uring", "ff")]))
        self.assertEqual(summarize.ratio_pairs(["qsd", "ff"], ["ours", "ours-uring"]),
                         (["qsd", "ff"], ["qsd"], [("qsd", "ff")]))
        self.assertEqual(summarize.ratio_pairs(["ours", "ours-uring"], ["ours", "ours-uring"])[2],
                         [("ours-uring", "ours")])

    # Check that with ours-uring the tables, summary.csv and the chart data
    # get ours-uring/peer ratios next to the ours/peer ones, and that ours
    # stays the subject of ours/qsd and ours/ff.
    def test_uring_ratio_columns(self):
        with tempfile.TemporaryDirectory() as d:
            runs = os.path.join(d, "runs.csv")
            rows = []
            for sys_, v, cpu in (("qsd", 100000, 8.0), ("ours", 250000, 4.0),
                                 ("ours-uring", 300000, 2.0), ("ff", 200000, 4.0)):
                rows += [run_row("n", sys_, v, cpu=cpu)] * 3
            rows.append(run_row("t", "ours", 90000))
            rows.append(run_row("t", "ours-uring", 120000))
            rows.append(run_row("t", "qsd", 30000))
            write_runs(runs, rows)
            r = subprocess.run([sys.executable, os.path.join(HERE, "summarize.py"),
                                "--subject", "ours,ours-uring", "--out", d, runs],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(os.path.join(d, "summary.md")) as f:
                md = f.read()
            self.assertIn("| cell | ours | ours-uring | qsd | ff | ours/qsd | ours/ff "
                          "| ours-uring/qsd | ours-uring/ff |", md)
            self.assertIn("| 2.50 | 1.25 | 3.00 | 1.50 |", md)
            self.assertIn("| t | 90.0k (n=1) | 120.0k (n=1) | 30.0k (n=1) | - "
                          "| 3.00 | - | 4.00 | - |", md)
            # CPU table: 4/8, 4/4, 2/8, 2/4
            self.assertIn("| 0.50 | 1.00 | 0.25 | 0.50 |", md)
            out = {(x["cell"], x["system"]): x for x in read_csv(os.path.join(d, "summary.csv"))}
            q = out[("n", "qsd")]
            self.assertEqual(q["tp_ratio_ours_over_system"], "2.500")
            self.assertEqual(q["tp_ratio_ours-uring_over_system"], "3.000")
            self.assertEqual(q["cpu_ratio_ours-uring_over_system"], "0.250")
            self.assertEqual(out[("n", "ours")]["tp_ratio_ours-uring_over_system"], "1.200")
            dat = os.path.join(d, "chart.dat")
            if os.path.exists(dat):      # only written when gnuplot is installed
                with open(dat) as f:
                    lines = f.read().splitlines()
                self.assertEqual(lines[0], "# cell ours ours-uring qsd ff ours/qsd ours/ff "
                                           "ours-uring/qsd ours-uring/ff")
                self.assertEqual(lines[1], "n 250000 300000 100000 200000 2.500 1.250 3.000 1.500")


    # Check medians, spread (max-min)/median, ratios subject/peer, and that
    # runs with foreign load above the limit are dropped unless nothing else
    # is left for the cell (then kept and marked).
    def test_medians_ratios_noise(self):
        with tempfile.TemporaryDirectory() as d:
            runs = os.path.join(d, "runs.csv")
            rows = []

            def add(cell, sys_, iops, foreign=0, cpu=5.0, bs="4k"):
                rows.append({"tag": "t", "cell": cell, "system": sys_, "bs": bs,
                             "iops": iops, "bw_kib": iops * 4, "lat_us": 10, "slat_us": 1,
                             "srv_cpu_us_per_req": cpu, "steal_pct": 0,
                             "foreign_pct": foreign, "fio_error": "0"})
            for v in (100000, 120000, 80000):
                add("a", "ours", v)
            add("a", "ours", 1, foreign=90)          # dropped
            for v in (50000, 60000, 40000):
                add("a", "qsd", v, cpu=10.0)
            add("b", "ours", 7000, foreign=90)          # only noisy runs: kept
            add("b", "qsd", 14000, foreign=90)
            with open(runs, "w", newline="") as f:
                w = csv.DictWriter(f, fieldnames=benchtool.RUN_FIELDS, extrasaction="ignore")
                w.writeheader()
                w.writerows(rows)
            r = subprocess.run([sys.executable, os.path.join(HERE, "summarize.py"),
                                "--out", d, runs], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            out = {(x["cell"], x["system"]): x for x in read_csv(os.path.join(d, "summary.csv"))}
            a, q = out[("a", "ours")], out[("a", "qsd")]
            self.assertEqual((a["n"], a["median_iops"], a["spread"]), ("3", "100000", "0.400"))
            self.assertEqual((q["median_iops"], q["spread"]), ("50000", "0.400"))
            self.assertEqual(q["tp_ratio_ours_over_system"], "2.000")
            self.assertEqual(q["cpu_ratio_ours_over_system"], "0.500")
            self.assertEqual(out[("b", "ours")]["noisy"], "1")
            self.assertEqual(out[("b", "qsd")]["tp_ratio_ours_over_system"], "0.500")
            with open(os.path.join(d, "summary.md")) as f:
                md = f.read()
            self.assertIn("| a | 100.0k (±40%, n=3) | 50.0k (±40%, n=3) | 2.00 |", md)
            self.assertIn("| b | 7.0k (n=1)* | 14.0k (n=1)* | 0.50 |", md)
            self.assertIn("1 dropped for foreign CPU load", md)


if __name__ == "__main__":
    unittest.main()
