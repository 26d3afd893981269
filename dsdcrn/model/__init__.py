"""Plain data between the stages: formal CRNs and domain-level systems."""
