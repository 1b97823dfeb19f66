"""The interactive consultation: relevance analysis, session loop, storage, terminal provider."""
