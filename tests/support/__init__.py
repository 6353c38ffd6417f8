"""Helpers shared by the whole test suite (not tests themselves)."""
