"""Shared knowledge of every stage: the data model, findings and errors, policy, kinds, contracts."""
