# bench/: performance measurements (run by hand, not by make check).
EXTRA_DIST += bench/sandbox-overhead
EXTRA_DIST += bench/http-latency
# bench/dialects: the Judge0 and Piston dialects against the native request.
EXTRA_DIST += bench/dialects

# bench/cluster: the store's cost per run on PostgreSQL against SQLite
# (bench/store-cost, built here, run by hand), then runs/s through the
# cluster front with 1 and 3 hosts.
EXTRA_DIST += bench/cluster bench/cluster-throughput.py
noinst_PROGRAMS += bench/store-cost
bench_store_cost_SOURCES = bench/store_cost.c
bench_store_cost_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
bench_store_cost_LDADD = $(RBX_STORE_LIBS) $(UUID_LIBS)
EXTRA_DIST += bench/reliability.py
EXTRA_DIST += bench/languages bench/languages.py
