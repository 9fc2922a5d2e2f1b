"""Tests of the asset families and their shared helpers."""
