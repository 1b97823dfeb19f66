"""The interactive consultation: relevance analysis (which questions can still change the
advice), the session loop behind an answer-provider seam, session files, the terminal provider.

Imports the library entry points, advice, cases, the engine and the knowledge base; never
batch or commands.
"""
