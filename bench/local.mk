# bench/: performance measurements (run by hand, not by make check).
EXTRA_DIST += bench/sandbox-overhead
EXTRA_DIST += bench/http-latency
