"""The knowledge base: its file schema, loading and validation, the condition vocabulary and
the conclusion kinds, lint, and the dependency graph.

Owns everything that can be said about the rules without running them. The bottom layer:
imports only ``ppp_expert.errors`` and ``ppp_expert.yaml_io``, never the engine, advice,
rendering or commands.
"""
