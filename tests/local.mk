# tests/: see the layer's README or header for what lives here.

# Integration tests (tests/integration/run, started by scripts/check).
EXTRA_DIST += tests/integration/run tests/integration/conftest.py \
	tests/integration/test_languages.py tests/integration/test_execute.py \
	tests/integration/test_history.py tests/integration/test_keys.py \
	tests/integration/test_concurrency.py tests/integration/test_pool.py \
	tests/integration/test_bad_input.py
