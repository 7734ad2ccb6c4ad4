"""Child side of intake: read one received PDF (structure, attachments, signatures) into a ``ScanResult``."""
