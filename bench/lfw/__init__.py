"""Labeled Faces in the Wild: recognition measured the way an office uses it (1:N)."""

from bench.lfw.part import LfwMissing, run, skipped_rows, summary_rows

__all__ = ["LfwMissing", "run", "skipped_rows", "summary_rows"]
