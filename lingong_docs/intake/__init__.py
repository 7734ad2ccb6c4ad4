"""Intake stage (bureau side): examine received packages, receipts, ledger, 公示 list.

The door is ``intake.service``. This package file stays empty: ``lingong_docs.intake`` is also
the public function.
"""
