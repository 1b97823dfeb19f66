"""Batch evaluation of many case files: discovery, parallel streaming runner, outputs, checks.

The pieces, one job each: ``discover`` (which files), ``worker`` (what runs in a worker
process), ``runner`` (the executor seam, bounded streaming and in-order writing), ``resume``
(what an earlier run already wrote), ``check`` (expected vs result), ``outputs`` (results.jsonl,
summary.csv, the terminal summary) and ``progress``.
"""
