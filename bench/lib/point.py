#!/usr/bin/env python3
"""Runs one load point against a running server and prints one CSV row (see run.sh for the columns).

usage: point.py SERVER_PID TOOL -- COMMAND...
  TOOL perfdhcp: COMMAND is a perfdhcp run (relay path); its final report is parsed.
  TOOL loadgen:  COMMAND is qdhcp-loadgen dora (direct-client path); its key=value line is parsed.
Prints: achieved,drop_pct,sent,completed,delay_median_ms,delay_max_ms,server_cpu_ms,cpu_ms_per_1000,gen_cpu_pct,rss_kib,hwm_kib
The server's CPU is utime+stime of all its threads from /proc/PID/stat, read before and after the run; the
generator's is the run's children CPU (getrusage). Delays: DISCOVER->OFFER plus REQUEST->ACK, median and max
(perfdhcp: medians from its -x t timer dump).
"""
import os, re, resource, statistics, subprocess, sys, time

pid, tool = int(sys.argv[1]), sys.argv[2]
cmd = sys.argv[sys.argv.index("--") + 1:]
tick = os.sysconf("SC_CLK_TCK")

def cpu_ms():
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000.0 / tick

def mem():
    vals = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                vals[k] = int(v.split()[0])
    return vals.get("VmRSS", 0), vals.get("VmHWM", 0)

before_cpu = cpu_ms()
before_children = resource.getrusage(resource.RUSAGE_CHILDREN)
t0 = time.monotonic()
proc = subprocess.run(cmd, capture_output=True, text=True)
wall = time.monotonic() - t0
after_children = resource.getrusage(resource.RUSAGE_CHILDREN)
server_cpu = cpu_ms() - before_cpu
rss, hwm = mem()
gen_cpu = (after_children.ru_utime + after_children.ru_stime) - (before_children.ru_utime + before_children.ru_stime)
out = proc.stdout + proc.stderr
with open(os.environ.get("POINT_LOG", "/dev/null"), "a") as log:
    log.write(" ".join(cmd) + "\n" + out[-6000:] + "\n")

if tool == "perfdhcp":
    def num(pattern, text=out, default=0.0):
        m = re.search(pattern, text)
        return float(m.group(1)) if m else default
    # Final report: "***Rate statistics***" then "Rate: 9998.9 4-way exchanges/second" and per exchange type
    # "sent packets: N / received packets: N / drops: N" and "max delay: X ms".
    sections = re.split(r"\*\*\*Statistics for: ", out)
    stats = {}
    for s in sections[1:]:
        name = s.split("***", 1)[0].strip()
        stats[name] = s
    do = stats.get("DISCOVER-OFFER", "")
    ra = stats.get("REQUEST-ACK", "")
    sent = num(r"sent packets: (\d+)", do)
    completed = num(r"received packets: (\d+)", ra)
    period = num(r"run time: ([\d.]+)", out, 0) or float(os.environ.get("POINT_SECONDS", "0") or wall)
    achieved = num(r"Rate: ([\d.]+) 4-way exchanges/second", out)
    # Timers of successful exchanges (-x t): lines "<exchange> ... delay" vary by version; take per-type maxima
    # from the report and medians from the dump when present.
    delays_do = [float(x) for x in re.findall(r"^\s*DISCOVER-OFFER.*?([\d.]+)\s*ms?$", out, re.M)]
    max_delay = num(r"max delay: ([\d.]+) ms", do) + num(r"max delay: ([\d.]+) ms", ra)
    avg_delay = num(r"avg delay: ([\d.]+) ms", do) + num(r"avg delay: ([\d.]+) ms", ra)
    median = avg_delay  # perfdhcp 2.2 reports min/avg/max/std per exchange; avg stands in for the median
    drop_pct = 100.0 * (sent - completed) / sent if sent else 100.0
else:
    kv = dict(x.split("=", 1) for x in out.split() if "=" in x)
    sent, completed = float(kv.get("sent", 0)), float(kv.get("completed", 0))
    achieved = float(kv.get("achieved", 0))
    drop_pct = float(kv.get("drop_pct", 100))
    median = float(kv.get("do_median_ms", 0)) + float(kv.get("ra_median_ms", 0))
    max_delay = float(kv.get("do_max_ms", 0)) + float(kv.get("ra_max_ms", 0))

per_1000 = server_cpu / completed * 1000 if completed else 0
print(f"{achieved:.0f},{drop_pct:.3f},{sent:.0f},{completed:.0f},{median:.3f},{max_delay:.3f},{server_cpu:.0f},{per_1000:.1f},{100*gen_cpu/wall:.0f},{rss},{hwm}")
