"""The design folder and its report."""
