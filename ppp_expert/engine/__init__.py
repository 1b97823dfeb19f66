"""The inference engine: the knowledge base compiled into an experta KnowledgeEngine, its
matcher and firing strategy, the reasoner that runs one case, and certainty-factor aggregation.

Owns how conclusions are reached and in which order rules fire. Imports the knowledge base
(``ppp_expert.kb``) only; knows nothing of case files, advice, rendering or commands. experta
itself is imported in one place, ``experta_seam`` (with its ``compat`` shim): the rest of the
package takes experta's names from there.
"""
