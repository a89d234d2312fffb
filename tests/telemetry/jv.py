#!/usr/bin/env python3
"""jv.py EXPR: the telemetry tests' JSON reader (no jq in scripts/deps).

The first line of standard input is read as JSON and bound to r; EXPR, a
Python expression of r, is printed as JSON (sorted keys, ", " and ": ").
Exit status 0 if EXPR is true, 1 if false or the input is not JSON."""
import json
import sys

try:
    r = json.loads(sys.stdin.readline())
except ValueError:
    sys.exit(1)
v = eval(sys.argv[1], {}, {"r": r})  # the tests' own expressions
print(json.dumps(v, sort_keys=True))
sys.exit(0 if v else 1)
