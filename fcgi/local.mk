# fcgi/: see the layer's README or header for what lives here.
