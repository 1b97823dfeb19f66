"""Batch evaluation: discovering case files, evaluating them in worker processes, ordered and
resumable outputs, checks against expected outcomes, and rule coverage over a case library.

Imports the library entry points (``ppp_expert.api``), advice, cases, rendering and the
knowledge base; never the consultation or commands.
"""
