"""The columnar validate engine: a table as polars columns, field rules compiled into expressions."""
