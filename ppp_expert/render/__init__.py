"""Presentation: advice as terminal text and explanation graphs as DOT/SVG/PNG/GraphML/JSON.

Owns how results look. Imports advice and the knowledge base; never runs the engine itself
and never imports the three uses or commands.
"""
