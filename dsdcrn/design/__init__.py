"""Sequence design: toeholds, long domains, scores, ranking, order sheets."""
