"""Package stage: rendered parts → one signing-ready PDF package per subsidy (build + bundle)."""
