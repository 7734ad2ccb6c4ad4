"""Validation stage: ``validate.run.validate(app) -> Report``.

Field rules come from the Cerberus schemas in ``schemas/``; rules spanning fields, rows or tables
live in ``rules/``, one module per family, found through the registry in ``registry.py``.
This package file stays empty: ``lingong_docs.validate`` is also the public function.
"""
