"""Compilation: translation schemes, CRN rewrites, counts, Visual DSD export."""
