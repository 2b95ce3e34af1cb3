#!/usr/bin/env python3
"""Where a translation unit's compile time goes, from clang's -ftime-trace JSON:

  clang++ -std=c++20 -O2 -I include -ftime-trace -ftime-trace-granularity=2000 \\
      -c benchmarks/compile/corohttp_server.cpp -o /tmp/x.o      # writes /tmp/x.json
  benchmarks/compile/trace_summary.py /tmp/x.json

Prints the front end / back end split, the headers that take longest to parse (inclusive of what
they include), and the optimiser's time per owner of the optimised functions (corohttp, Asio, std).
"""
import collections
import json
import subprocess
import sys

events = [e for e in json.load(open(sys.argv[1]))["traceEvents"] if e.get("ph") == "X"]
totals = {e["name"][6:]: e["dur"] / 1e6 for e in events if e["name"].startswith("Total ")}
print(f"total {totals['ExecuteCompiler']:.1f} s: front end {totals['Frontend']:.1f} s "
      f"(parsing headers {totals.get('Source', 0):.1f} s, instantiating {totals.get('PerformPendingInstantiations', 0):.1f} s), "
      f"back end {totals['Backend']:.1f} s (optimiser {totals.get('Optimizer', 0):.1f} s, code generation {totals.get('CodeGenPasses', 0):.1f} s)")

print("\nslowest headers to parse (inclusive):")
sources = sorted(((e["dur"] / 1e6, e["args"].get("detail", "")) for e in events if e["name"] == "Source"), reverse=True)
for dur, name in sources[:12]:
    print(f"  {dur:6.2f} s  {name}")

opt = [e for e in events if e["name"] == "OptFunction"]
names = subprocess.run(["c++filt"], input="\n".join(e["args"].get("detail", "") for e in opt),
                       capture_output=True, text=True).stdout.split("\n")
owners = collections.defaultdict(lambda: [0.0, 0])
ours = collections.defaultdict(float)
for e, name in zip(opt, names):
    owner = ("corohttp" if name.startswith("corohttp") else "Asio" if "boost::asio" in name[:80]
             else "std" if name.startswith("std") else "other")
    owners[owner][0] += e["dur"] / 1e6
    owners[owner][1] += 1
    if owner == "corohttp":
        ours[name.split("(")[0]] += e["dur"] / 1e6
print("\noptimiser time by owner of the function:")
for owner, (dur, n) in sorted(owners.items(), key=lambda x: -x[1][0]):
    print(f"  {dur:6.2f} s  {n:4d} functions  {owner}")
print("\ncorohttp's most expensive functions to optimise:")
for name, dur in sorted(ours.items(), key=lambda x: -x[1])[:10]:
    print(f"  {dur:6.3f} s  {name}")
