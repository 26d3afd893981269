"""Enumeration of domain-level systems with Peppercorn, whole or modular."""
