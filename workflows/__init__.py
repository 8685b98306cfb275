"""Deterministic workflows: one module per process."""
