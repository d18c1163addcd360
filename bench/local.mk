# bench/: see the layer's README or header for what lives here.
EXTRA_DIST += bench/http-latency
