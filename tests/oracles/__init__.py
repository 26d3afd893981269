"""Plain-Python reference implementations (test oracles) of dsdcrn's vectorised code."""
