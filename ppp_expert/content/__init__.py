"""Reference content in the project's own words: the glossary of terms, the primer and a page
per guide section (``glossary.yaml``, ``primer.yaml``, ``guide_sections.yaml``, plain data) and
the small loader that reads them.

A bottom layer beside the knowledge base: imports only ``errors`` and ``yaml_io``; the
commands and the training tutor import it, never the other way round.
"""
