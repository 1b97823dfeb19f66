"""Training new procurement officers: a case-method tutor on the knowledge base (GUIDON style).

The trainee works a library case step by step while the engine solves it silently; each step is
graded against what the engine concludes and explained with the deciding rules. Item banks are
generated from the knowledge base; a learner model in SQLite schedules reviews (FSRS, per item row).

Imports: kb, engine, cases, advice, render, api and content (the glossary) below it; never
consult, batch or cli. Only ``ppp_expert.cli.train`` imports this package.
"""
