#!/usr/bin/env python3
"""results.csv + events.csv + machine.txt of one bench/run.sh run -> markdown (stdout).

Every figure is the median over the run's repeats. Ratios compare qdhcp with each other server measured in the
same run: CPU "x" = other's CPU per DORA / qdhcp's (higher: qdhcp cheaper); throughput "x" = qdhcp / other.
"""
import csv, os, statistics, sys
from collections import defaultdict

out = sys.argv[1]
rows = list(csv.DictReader(open(os.path.join(out, "results.csv"))))
events = list(csv.DictReader(open(os.path.join(out, "events.csv"))))
machine = open(os.path.join(out, "machine.txt")).read().strip()
order = []
for r in rows + events:
    if r["server"] not in order:
        order.append(r["server"])
order.sort(key=lambda s: (s != "qdhcp", s))
med = lambda xs: statistics.median(xs) if xs else None

def f(x, digits=0):
    if x is None:
        return "–"
    return f"{x:,.{digits}f}"

points = defaultdict(list)  # (hosts, path, offered, server) -> rows
for r in rows:
    points[(int(r["hosts"]), r["path"], int(r["offered"]), r["server"])].append(r)

def m(key, col):
    vals = [float(r[col]) for r in points.get(key, []) if r[col] not in ("", "nan")]
    return med(vals)

def held(key):
    """Clean at an offered rate: under 1 % drops, and the generator really offered it (achieved >= 95 %): perfdhcp
    on 2 cores sends less than a high -r asks, and a point it could not send is not a clean point of the server."""
    d, a, o = m(key, "drop_pct"), m(key, "achieved"), key[2]
    return d is not None and d < 1.0 and a is not None and a >= 0.95 * o

print("# bench/run.sh results\n")
print("```\n" + machine + "\n```\n")
print("Medians over the repeats. relay = perfdhcp (giaddr set, replies to port 67); relay-lg = the same path with "
      "qdhcp-loadgen as the relay (perfdhcp cannot send 20,000/s on 2 cores); direct = qdhcp-loadgen as clients with no "
      "address (no giaddr, replies unicast to the client's MAC). Delay = DISCOVER->OFFER + REQUEST->ACK (perfdhcp: its "
      "average; loadgen: median). CPU = server user+system time per 1,000 completed DORA. Socket drops = datagrams the "
      "kernel dropped because a UDP receive buffer was full, in the server's namespace / the generator's (perfdhcp's "
      "socket; qdhcp-loadgen's relay socket).\n")

TITLES = {
    "relay": "relay path (perfdhcp)",
    "relay-lg": "relay path (qdhcp-loadgen as the relay)",
    "direct": "direct path (qdhcp-loadgen)",
}

scenarios = sorted({(h, p) for (h, p, _, _) in points}, key=lambda x: (x[1] != "relay", x[0]))
summary = {}
for hosts, path in scenarios:
    title = f"{hosts:,} clients from a dynamic pool, relay path (perfdhcp)" if path == "pool" else f"{hosts:,} hosts, {TITLES.get(path, path)}"
    print(f"## {title}\n")
    print("| offered/s | server | achieved DORA/s | drops % | delay avg/median ms | delay max ms | CPU ms/1000 DORA | gen CPU % | RSS MiB (peak) | socket drops srv/gen |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    rates = sorted({o for (h, p, o, _) in points if h == hosts and p == path}, key=lambda o: (o == 0, o))
    for o in rates:
        for s in order:
            k = (hosts, path, o, s)
            if k not in points:
                continue
            print(f"| {'unlimited' if o == 0 else f'{o:,}'} | {s} | {f(m(k,'achieved'))} | {f(m(k,'drop_pct'),2)} | {f(m(k,'delay_median_ms'),2)} | {f(m(k,'delay_max_ms'),1)} | {f(m(k,'cpu_ms_per_1000'),1)} | {f(m(k,'gen_cpu_pct'))} | {f((m(k,'rss_kib') or 0)/1024,0)} ({f((m(k,'hwm_kib') or 0)/1024,0)}) | {f(m(k,'srv_rcvbuf_drops'))}/{f(m(k,'gen_rcvbuf_drops'))} |")
    print()
    for s in order:
        clean = [o for o in rates if o != 0 and held((hosts, path, o, s))]
        best = max(clean) if clean else None
        # CPU per DORA at the highest rate every server held cleanly (same work for all), else at each one's best.
        summary[(hosts, path, s)] = dict(
            clean=best,
            unlimited=m((hosts, path, 0, s), "achieved"),
            unlimited_drop=m((hosts, path, 0, s), "drop_pct"),
            cpu_best=m((hosts, path, best, s), "cpu_ms_per_1000") if best else None,
            cpu_unl=m((hosts, path, 0, s), "cpu_ms_per_1000"),
            rss=max([float(r["rss_kib"]) for k, v in points.items() if k[0] == hosts and (k[1] == "pool") == (path == "pool") and k[3] == s for r in v] or [0]) / 1024,
            hwm=max([float(r["hwm_kib"]) for k, v in points.items() if k[0] == hosts and (k[1] == "pool") == (path == "pool") and k[3] == s for r in v] or [0]) / 1024,
            gen=max([float(r["gen_cpu_pct"]) for k, v in points.items() if k[:2] == (hosts, path) and k[2] == 0 and k[3] == s for r in v] or [0]),
        )
    common = [o for o in rates if o != 0 and all(held((hosts, path, o, s)) for s in order if (hosts, path, o, s) in points)]
    cr = max(common) if common else None
    for s in order:
        summary[(hosts, path, s)]["cpu_common"] = m((hosts, path, cr, s), "cpu_ms_per_1000") if cr else None
    summary[(hosts, path, "_common")] = cr

print("## Summary\n")
print("| hosts | path | server | highest clean offered/s (<1 % drops, >= 95 % of it achieved) | unlimited DORA/s (drops %) | CPU µs/DORA at its highest clean rate | CPU µs/DORA unlimited | RSS MiB at end (peak) | qdhcp CPU advantage | qdhcp throughput ratio |")
print("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|")
for hosts, path in scenarios:
    q = summary.get((hosts, path, "qdhcp"))
    for s in order:
        v = summary.get((hosts, path, s))
        if v is None or not any(k[:2] == (hosts, path) and k[3] == s for k in points):
            continue
        adv = thr = "–"
        if q and s != "qdhcp":
            # Pairwise: at the highest offered rate both held with < 1 % drops (same work), else unlimited.
            both = [o for o in sorted({k[2] for k in points if k[:2] == (hosts, path)}) if o != 0
                    and all(held((hosts, path, o, x)) for x in ("qdhcp", s))]
            at = max(both) if both else 0
            a, b = m((hosts, path, at, s), "cpu_ms_per_1000"), m((hosts, path, at, "qdhcp"), "cpu_ms_per_1000")
            adv = f"{a / b:.1f}x @ {'unlimited' if at == 0 else f'{at:,}/s'}" if a and b else "–"
            thr = f"{q['unlimited'] / v['unlimited']:.1f}x" if q["unlimited"] and v["unlimited"] else "–"
        cr = summary[(hosts, path, "_common")]
        print(f"| {hosts:,} | {path} | {s} | {f(v['clean'])} | {f(v['unlimited'])} ({f(v['unlimited_drop'],1)}) | {f(v['cpu_best'],1)} | {f(v['cpu_unl'],1)} | {f(v['rss'])} ({f(v['hwm'])}) | {adv} | {thr} |")
print()
print("CPU advantage = the other server's CPU per DORA / qdhcp's, at the highest offered rate both held with "
      "under 1 % drops, else at unlimited; throughput ratio = qdhcp's unlimited DORA/s / the other's. "
      "Generator: perfdhcp's/qdhcp-loadgen's own CPU at the unlimited points is in the 'gen CPU %' column "
      "(100 % = one core); near 100 % or more the generator, not the server, is the ceiling.\n")

print("## Start, reload\n")
print("| hosts | server | start ms (launch -> first OFFER) | SIGHUP: answers resume after ms | SIGHUP: reload done ms (server log) | drops % under 10,000 DORA/s with a SIGHUP |")
print("|---:|---|---:|---:|---:|---:|")
ev = defaultdict(list)
for e in events:
    ev[(int(e["hosts"]), e["server"], e["event"])].append(e)
def em(k, col="ms"):
    vals = [float(e[col]) for e in ev.get(k, []) if e[col] not in ("", "none", "nan")]
    return med(vals)
for hosts in sorted({h for (h, _, _) in ev}):
    for s in order:
        if (hosts, s, "start") not in ev:
            continue
        print(f"| {hosts:,} | {s} | {f(em((hosts, s, 'start')))} | {f(em((hosts, s, 'reload_answer_gap')),1)} | {f(em((hosts, s, 'reload_logged')))} | {f(em((hosts, s, 'reload_answer_gap'), 'drop_pct_under_load'),2)} |")
print()
print("Raw data: results.csv (one row per point and repeat, with the load average), events.csv, points.log "
      "(every generator's output).")
