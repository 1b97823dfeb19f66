"""Jinja2 templates of the decision memo (Markdown and HTML), shipped as package data.

Data only: rendered by ``ppp_expert.render.memo``; imports nothing.
"""
