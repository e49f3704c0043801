"""facegate benchmarks: measured, never asserted."""
