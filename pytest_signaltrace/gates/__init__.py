"""The gates: --signal-fail-under, `signaltrace scan --fail-on`, the diff gate."""
