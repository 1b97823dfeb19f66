"""The advice: the result contract (pydantic models whose JSON is public), its assembly from
an engine trace, the explanation graph with HOW / WHY-NOT, and what-if comparisons.

Owns what the user is told and why. Imports the engine, the knowledge base and case checking;
never rendering, the three uses (consult, batch, train) or commands.
"""
