"""Parent side of intake: turn a ``ScanResult`` and the manifest into findings, one job per module."""
