"""Mass-action kinetics of formal CRNs and DSD implementations."""
