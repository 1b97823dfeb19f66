"""Reference content in the project's own words: the glossary of terms and the primer
(``glossary.yaml``, ``primer.yaml``, plain data) and the small loader that reads them.

A bottom layer beside the knowledge base: imports only ``errors`` and ``yaml_io``; the
commands and the training tutor import it, never the other way round.
"""
