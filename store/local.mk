# store/: see the layer's README or header for what lives here.
noinst_HEADERS += store/store.h
