"""The security suite's runner: boxes, host state, cases."""
