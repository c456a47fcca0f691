"""Analyses: pure functions from stridekit's tables to tables."""
