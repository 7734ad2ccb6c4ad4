"""``lingong-docs serve``: the local web page for operators and bureau staff (built on the public API)."""
