# bench: relay memory per allocator on a private loopback Tor network (issue 8).
#
#   make bench-memory-smoke   one allocator (jemalloc, lethe's default), ~10 s of load after
#                             bootstrap; prints the RSS figures.  Part of `make check`.
#   make bench-memory         the full load with glibc, jemalloc and mimalloc: table of peak,
#                             steady and after-load RSS, ratios vs glibc, bytes relayed per
#                             second, and a PNG plot; results in $(B)/bench/memory/.
#                             BENCH_ALLOCS, BENCH_LOAD_SECONDS, BENCH_COOL_SECONDS override.
#
# Needs the host packages tor, libjemalloc2, libmimalloc2.0 (and gnuplot-nox for the plot):
# bench-memory installs them through `scripts/deps ensure bench`; the smoke run, part of
# `make check`, has them from the test set that make check ensures.
# Everything listens on 127.0.0.1; keys are generated per run in a scratch directory on
# /dev/shm and removed with it; every process is stopped by its process-group id.

BENCH_PY := python3 bench/membench.py
BENCH_ALLOCS ?= glibc,jemalloc,mimalloc
BENCH_LOAD_SECONDS ?= 120
BENCH_COOL_SECONDS ?= 30
# Port ranges (membench uses base .. base+140): "auto" picks a free range at
# random for each run (scripts/free-ports), so two checkouts' make check, or
# a smoke run and a full bench, do not collide on one machine.  A number
# fixes the base.
BENCH_SMOKE_PORTS ?= auto
BENCH_PORTS ?= auto
bench_ports = $$(if [[ $(1) == auto ]]; then scripts/free-ports 200; else echo $(1); fi)

.PHONY: bench-memory-smoke bench-memory
CHECK_TARGETS += bench-memory-smoke

# Bounded twice: membench's own deadlines (bootstrap 120 s, load 10 s, cool 3 s)
# and timeout(1) as the backstop (SIGTERM lets membench stop its children).
bench-memory-smoke:
	@mkdir -p $(B)/bench/smoke
	base=$(call bench_ports,$(BENCH_SMOKE_PORTS)); \
	timeout -k 10 170 $(BENCH_PY) jemalloc --out $(B)/bench/smoke --load-seconds 10 \
		--cool-seconds 3 --boot-timeout 120 --workers 6 --port-base $$base

bench-memory:
	scripts/deps ensure bench
	@mkdir -p $(B)/bench/memory
	base=$(call bench_ports,$(BENCH_PORTS)); \
	$(BENCH_PY) $(BENCH_ALLOCS) --out $(B)/bench/memory --load-seconds $(BENCH_LOAD_SECONDS) \
		--cool-seconds $(BENCH_COOL_SECONDS) --port-base $$base --plot
	@echo "bench-memory: results in $(B)/bench/memory (summary.txt, samples-*.csv, rss.png)"
