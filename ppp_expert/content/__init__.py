"""Words we wrote for users: the glossary and the primer (YAML, shipped as package data).

Data only: loaded by the commands that show them (glossary, consultation help, training
feedback) through ``yaml.safe_load``; imports nothing.
"""
