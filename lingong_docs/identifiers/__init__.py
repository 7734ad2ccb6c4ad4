"""Identifier checks, one module per format, each with ``compact``, ``check`` and ``is_valid``.

``check(value)`` returns ``None`` when the value is valid, else a stable finding code. Checks never
raise on junk input and never put the value in an exception message.
"""

from lingong_docs.identifiers import idcard, phone, uscc

MODULES = {"idcard": idcard, "uscc": uscc, "phone": phone}
