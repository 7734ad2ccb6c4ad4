"""Cerberus schemas as the rule language, compiled into fast per-column checks.

The schemas in ``schemas/*.yaml`` are plain Cerberus schemas (validated as such when loaded).
Running Cerberus row by row manages about 10,000 rows/s; a 30,000-row roster would take 3 s
before any cross-row rule. So each field's rules are compiled once into one small function with
the same semantics, and Cerberus itself runs only for rules this compiler does not know. A test
checks the compiled checks against a real Cerberus validator on generated rows.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from decimal import Decimal
from typing import Any

import cerberus

from lingong_docs.core.errors import ConfigError
from lingong_docs.core.model import BAD
from lingong_docs.core.tables import spec
from lingong_docs.validate.checks import CHECK_CODES, CHECKS

COMPILED_RULES = {"type", "required", "nullable", "empty", "maxlength", "minlength", "min", "max",
                  "allowed", "regex", "check_with", "meta"}
TYPES = {
    "string": (str,),
    "integer": (int,),
    "number": (int, Decimal, float),
    "datetime": (dt.datetime,),
    "date": (dt.date,),
    "boolean": (bool,),
}
TYPE_ZH = {"string": "文本", "integer": "整数", "number": "数字", "datetime": "日期时间", "date": "日期"}


def _as_method(check):
    def method(self, field, value):
        result = check(value)
        if result:
            self._error(field, result[0])

    return method


_TYPES = cerberus.Validator.types_mapping.copy()
_TYPES["number"] = cerberus.TypeDefinition("number", (int, float, Decimal), (bool,))
# Cerberus collects ``_check_with_<name>`` methods when the class is created, so the project's
# checks are put into the class body: the schemas name them as ``check_with: idcard`` etc.
LingongValidator: Any = type(cerberus.Validator)(
    "LingongValidator",
    (cerberus.Validator,),
    {"types_mapping": _TYPES, "__doc__": "Cerberus with Decimal numbers and the project's checks.",
     **{f"_check_with_{name}": _as_method(check) for name, check in CHECKS.items()}},
)


@functools.cache
def make_cerberus_validator(kind: str) -> cerberus.Validator:
    """Return a Cerberus validator for table ``kind`` (raises ConfigError on a bad schema)."""
    schema = {h: {k: v for k, v in rules.items()} for h, rules in spec(kind).schema.items()}
    try:
        return LingongValidator(schema, allow_unknown=True)
    except cerberus.SchemaError as e:
        raise ConfigError.make("schema-invalid", table=kind) from e


def cerberus_codes(kind: str, document: dict) -> dict[str, set[str]]:
    """Validate one document keyed by header with real Cerberus; return {header: {codes}}."""
    v = make_cerberus_validator(kind)
    # The reader turns empty cells into None; an absent key is how Cerberus sees an empty cell.
    doc = {h: val for h, val in document.items() if val is not None and val is not BAD and val != ""}
    v.validate(doc, normalize=False)
    out: dict[str, set[str]] = {}
    tree = v.document_error_tree          # Cerberus's public view of the errors, by field (flat documents)
    for err in [*tree.errors, *(e for node in tree.descendants.values() for e in node.errors)]:
        field = err.document_path[0] if err.document_path else err.field
        out.setdefault(field, set()).add(_cerberus_code(kind, field, err))
    return out


def _cerberus_code(kind, field, err) -> str:
    if err.rule == "check_with" or err.rule is None:
        return err.info[0] if err.info else str(err.rule)
    codes = _meta_codes(kind, field)
    return codes.get(err.rule, GENERIC_CODES.get(err.rule, err.rule))


GENERIC_CODES = {"required": "required", "nullable": "required", "empty": "required",
                 "type": "wrong-type", "maxlength": "too-long", "minlength": "too-short",
                 "min": "below-min", "max": "above-max", "allowed": "not-allowed", "regex": "pattern-mismatch"}


def field_codes(kind: str) -> frozenset[str]:
    """Return every code the field checks of table ``kind`` can give: the generic Cerberus codes
    (or a column's own, ``meta.codes``) of the rules its schema uses, and its ``check_with`` codes."""
    out: set[str] = set()
    for header, rules in spec(kind).schema.items():
        codes = {**GENERIC_CODES, **_meta_codes(kind, header)}
        for name in rules:
            if name in ("required", "nullable", "empty"):
                out.add(codes["required"])
            elif name in codes:
                out.add(codes[name])
            elif name not in COMPILED_RULES:           # checked by Cerberus itself
                out.add(name)
        checks = rules.get("check_with")
        for check in [checks] if isinstance(checks, str) else list(checks or ()):
            out.update(CHECK_CODES.get(check, ()))
    return frozenset(out)


def _meta_codes(kind, header) -> dict:
    return spec(kind).schema[header].get("meta", {}).get("codes", {})


@functools.cache
def compiled(kind: str) -> list:
    """Return [(key, header, check)] where check(value) -> None | (code, params)."""
    make_cerberus_validator(kind)  # the schema must be valid Cerberus
    out = []
    for col in spec(kind).columns:
        rules = spec(kind).schema[col.header]
        out.append((col.key, col.header, _compile_field(kind, col.header, rules)))
    return out


def _compile_field(kind: str, header: str, rules: dict):
    codes = {**GENERIC_CODES, **rules.get("meta", {}).get("codes", {})}
    unknown = set(rules) - COMPILED_RULES
    required = bool(rules.get("required")) or rules.get("nullable") is False
    allow_empty = rules.get("empty", True)
    type_names = rules.get("type")
    type_names = [type_names] if isinstance(type_names, str) else list(type_names or [])
    types = tuple(t for name in type_names for t in TYPES.get(name, ())) or None
    expected = "或".join(TYPE_ZH.get(n, n) for n in type_names)
    maxlength = rules.get("maxlength")
    minlength = rules.get("minlength")
    minimum, maximum = rules.get("min"), rules.get("max")
    allowed = set(rules["allowed"]) if "allowed" in rules else None
    regex = re.compile(rules["regex"] + r"\Z") if "regex" in rules else None
    checks = rules.get("check_with")
    check_fns = []
    for name in ([checks] if isinstance(checks, str) else (checks or [])):
        if name not in CHECKS:
            raise ConfigError.make("schema-check-unknown", check=name)
        check_fns.append(CHECKS[name])

    def check(value):
        if value is BAD:
            return None
        if value is None or (value == "" and isinstance(value, str)):
            if required or (value == "" and not allow_empty):
                return codes["required"], {}
            return None
        if types is not None and (not isinstance(value, types) or isinstance(value, bool)):
            return codes["type"], {"expected": expected}
        if maxlength is not None and hasattr(value, "__len__") and len(value) > maxlength:
            return codes["maxlength"], {"limit": maxlength}
        if minlength is not None and hasattr(value, "__len__") and len(value) < minlength:
            return codes["minlength"], {"limit": minlength}
        if minimum is not None and value < minimum:
            return codes["min"], {"limit": minimum}
        if maximum is not None and value > maximum:
            return codes["max"], {"limit": maximum}
        if allowed is not None and value not in allowed:
            return codes["allowed"], {"choices": "、".join(map(str, sorted(allowed)))}
        if regex is not None and isinstance(value, str) and not regex.match(value):
            return codes["regex"], {}
        for fn in check_fns:
            result = fn(value)
            if result:
                return result
        if unknown:
            found = cerberus_codes(kind, {header: value}).get(header)
            if found:
                return sorted(found)[0], {}
        return None

    return check
