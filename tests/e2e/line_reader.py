#!/usr/bin/env python3
"""Reads NDJSON results from stdin as a pipe consumer would, and writes one line per result to stdout:
"<arrival unix ms>\t<the record>". Used by test_interrupt.sh to measure how soon a result reaches a pipe."""
import sys
import time

for line in sys.stdin:
    arrival_ms = int(time.time() * 1000)
    sys.stdout.write(f"{arrival_ms}\t{line}")
    sys.stdout.flush()
