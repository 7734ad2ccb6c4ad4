"""Reading stage: the application folder (application.yaml, 附件4, 附件5, 支付凭证/) into data."""

from lingong_docs.reader.folder import read_application, read_single

__all__ = ["read_application", "read_single"]
