"""Compute stage: counts and subsidy amounts, exact to the yuan, with the reasoning shown.

``compute_application(app, report)`` and ``compute_many(apps, reports)`` are the doors; the pure
functions ``count_matches``, ``sum_demand``, ``amounts`` and ``share_cap`` hold the arithmetic.
"""

from lingong_docs.compute.amounts import CAP_RULE, Amounts, amounts, cap_rule_zh, share_cap
from lingong_docs.compute.counting import READINGS, DemandTotal, MatchCount, count_matches, reading_labels, sum_demand
from lingong_docs.compute.figures import (
                       JSON_KEYS,
                       Figures,
                       Reading,
                       compute_application,
                       compute_many,
                       fraction_text,
                       jsonable,
                       reading_amounts,
)

__all__ = ["compute_application", "compute_many", "Figures", "JSON_KEYS", "count_matches",
           "sum_demand", "amounts", "share_cap", "Amounts", "MatchCount", "DemandTotal",
           "READINGS", "reading_labels", "CAP_RULE", "cap_rule_zh", "jsonable", "fraction_text",
           "Reading", "reading_amounts"]
