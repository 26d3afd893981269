"""Verification of implementation CRNs against formal CRNs (crnverifier)."""
