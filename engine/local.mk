# engine/: see the layer's README or header for what lives here.
noinst_HEADERS += engine/engine.h
