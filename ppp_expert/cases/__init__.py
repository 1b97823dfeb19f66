"""Case files: reading YAML/JSON case files safely, checking their answers against the
questions, their JSON Schema, and random answer sets for tests and benchmarks.

Owns the input contract. Imports the knowledge base only (for the questions); never the
engine, advice, rendering or commands.
"""
