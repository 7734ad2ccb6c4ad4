"""The versioned policy data (schemas/policy/*.yaml): thresholds, amounts, dates, minimum wages, materials.

A policy file is checked against ``schemas/policy-schema.yaml`` when it is loaded: a missing key,
a text where a number belongs or an unknown material gives ``policy-invalid`` naming the key, before
any stage uses a value. It is then read into typed sections (``Policy``): no stage reads a policy by
string keys.

Which policy applies is decided in one place, ``policy_for(year, named)``: the policy an
application (``政策:``) or a package's manifest names by its id, else the one covering the year.
A file path is never accepted there (``policy-path-in-application``): no file outside the shipped
policy folder is opened because an application or a package names it. Only the operator may hand
a policy file of their own (``compute --policy FILE``, ``chosen_policy``).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import yaml
from cerberus import Validator

from lingong_docs.core import findings as F
from lingong_docs.core.errors import ConfigError, PolicyError
from lingong_docs.util.resources import SafeLoader, load_yaml, schemas_dir

CENT = Decimal("0.01")
POLICY_KEY = "政策"        # the key of application.yaml that may name a policy by its id
REQUIRED = "required"
OPTIONAL = "optional"
SEAL = "seal"
SIGNATURE = "signature"
# How a material is made (``source`` in the policy's ``material_catalogue``).
FORM, CHECKLIST, TABLE, EVIDENCE, FOLDER = "form", "checklist", "table", "evidence", "folder"


def _money(value: object) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


def _date(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _texts(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in cast(list[object], value or []))


@dataclass(frozen=True)
class ServiceYears:
    """第十六条: the service years the policy covers."""

    first: int
    last: int
    article: str


@dataclass(frozen=True)
class Deadline:
    """第十一、十六条: applications for a year by ``month``/``day`` of the next; none after ``last_date``."""

    month: int
    day: int
    last_date: dt.date | None
    article: str

    def for_year(self, year: int) -> dt.date:
        """Return the last day an application for service year ``year`` is accepted."""
        due = dt.date(year + 1, self.month, self.day)
        return min(due, self.last_date) if self.last_date else due


@dataclass(frozen=True)
class OperatingSubsidy:
    """第九条: the operating test and amount."""

    min_demand: int
    min_matches: int
    amount: Decimal
    article: str


@dataclass(frozen=True)
class EmploymentSubsidy:
    """第十条: the employment subsidy per step of matches, the agency cap."""

    step_matches: int
    step_amount: Decimal
    cap_per_agency: Decimal
    requires_operating: bool
    article: str


@dataclass(frozen=True)
class Counting:
    """第九条括注: how matches are counted (8 hours = 1 match), and the per-row override words."""

    hours_per_match: int
    default_mode: str
    row_override: Mapping[str, tuple[str, ...]]
    article: str


@dataclass(frozen=True)
class RetirementAge:
    male: int
    female: int


@dataclass(frozen=True)
class RosterLimits:
    """The limits the roster rules check (ages, hours per day, shared phones, payment methods)."""

    min_age: int
    minor_age: int
    plausible_max_age: int
    retirement_age: RetirementAge
    max_hours_per_day: Decimal
    warn_hours_per_day: Decimal
    max_ids_per_phone: int
    payment_methods: tuple[str, ...]
    payment_method_aliases: Mapping[str, tuple[str, ...]]
    cash_words: tuple[str, ...]

    def choices(self, name: str) -> tuple[str, ...]:
        """Return the values of the drop-down list ``name`` of a table column (``payment_methods``)."""
        if name == "payment_methods":
            return self.payment_methods
        raise KeyError(name)


@dataclass(frozen=True)
class Plausibility:
    """Bounds of what a real value can be (an error beyond, a warning when unusual), void and footer words."""

    demand_error: int                 # 需求人数 of one post
    demand_warning: int
    hours_warning_below: Decimal      # 工作时长 of one row, hours
    hours_error_above: Decimal
    day_fraction_below: Decimal       # 按时长: every row below this is Excel's day fraction (=G-F)
    pay_error_above: Decimal          # 实际结算报酬 of one row, 元
    pay_per_hour_warning: Decimal     # 元 per hour
    void_words: tuple[str, ...]       # in 备注: the row is void (作废, 已取消 …)
    footer_words: tuple[str, ...]     # a line under the table starting so is no record (填表人, 合计 …)


def _plausibility(p: Mapping[str, Any]) -> Plausibility:
    return Plausibility(
        demand_error=int(p["demand_per_post"]["error_above"]),
        demand_warning=int(p["demand_per_post"]["warning_above"]),
        hours_warning_below=Decimal(str(p["hours_per_row"]["warning_below"])),
        hours_error_above=Decimal(str(p["hours_per_row"]["error_above"])),
        day_fraction_below=Decimal(str(p["day_fractions"]["below"])),
        pay_error_above=Decimal(str(p["pay_per_row"]["error_above"])),
        pay_per_hour_warning=Decimal(str(p["pay_per_hour"]["warning_above"])),
        void_words=_texts(p["void_words"]), footer_words=_texts(p["footer_words"]))


@dataclass(frozen=True)
class HourlyMinimum:
    """The Beijing part-time hourly minimum wage from ``start`` on."""

    start: dt.date
    amount: Decimal
    source: str


@dataclass(frozen=True)
class Material:
    """One material a package can hold, declared once: its title (outline, checklist, notices),
    how it is made (``source``), its Word template, and its seal and signature places.

    ``places``: ``{role: required|optional}``: a required place must be signed at intake; an
    optional one gets a field where the words stand. ``one_page``: the application fields a
    one-page form prints (longest blamed when it runs onto a second page); empty when the
    material may take several pages. ``optional``: left out when it has no files (``folder``).
    """

    key: str
    title: str
    source: str
    template: str | None = None
    places: Mapping[str, str] = field(default_factory=dict)
    one_page: tuple[str, ...] = ()
    folder: str | None = None
    heading: str = ""
    optional: bool = False

    def roles(self) -> tuple[str, ...]:
        """Return the roles (seal, signature) with a place on this material."""
        return tuple(r for r in (SEAL, SIGNATURE) if r in self.places)

    def required_roles(self) -> tuple[str, ...]:
        """Return the roles whose place intake requires on this material."""
        return tuple(r for r in (SEAL, SIGNATURE) if self.places.get(r) == REQUIRED)


@dataclass(frozen=True)
class Policy:
    """One policy file, checked and typed: its identity and every section the stages use."""

    id: str
    version: str
    title: str
    issuer: str                # the district bureau: it issued the policy and receives the applications
    path: Path
    sha256: str
    service_years: ServiceYears
    deadline: Deadline
    operating: OperatingSubsidy
    employment: EmploymentSubsidy
    counting: Counting
    roster: RosterLimits
    plausibility: Plausibility
    hourly_minimum_wage: tuple[HourlyMinimum, ...]
    package_materials: Mapping[str, tuple[str, ...]]     # kind → material keys, in order
    material_catalogue: Mapping[str, Material]           # material key → its declaration

    @property
    def first_year(self) -> int:
        return self.service_years.first

    @property
    def last_year(self) -> int:
        return self.service_years.last

    def covers(self, year: int) -> bool:
        return self.first_year <= year <= self.last_year

    def deadline_for(self, year: int) -> dt.date:
        """Return the last day an application for service year ``year`` is accepted."""
        return self.deadline.for_year(year)

    def validity(self, year: int, on: dt.date | None) -> list[F.Finding]:
        """Return what stops an application for ``year`` handed in ``on``: a year the policy does
        not cover (``year-outside-policy``), a day after the deadline (``deadline-passed``).

        The one deadline check of every stage (validate, compute, init, intake, the web page).
        """
        years: dict[str, Any] = dict(year=year, first=self.first_year, last=self.last_year)
        found = []
        if not self.covers(year):
            found.append(F.make("year-outside-policy", **years))
        due = self.deadline_for(year)
        if on is not None and on > due:
            from lingong_docs.util.money import cn_date

            found.append(F.make("deadline-passed", **years, deadline=cn_date(due), as_of=cn_date(on)))
        return found

    def materials(self, kind: str) -> tuple[str, ...]:
        """Return the material keys a ``kind`` package holds, in order (第八、十二、十三条)."""
        return self.package_materials.get(kind, ())

    def material(self, key: str) -> Material:
        """Return the declaration of material ``key`` (a key the policy does not declare: its key as title)."""
        return self.material_catalogue.get(key) or Material(key=key, title=key, source="")

    def title_of(self, key: str) -> str:
        """Return the Chinese title of material ``key`` (outline, checklist, notices)."""
        return self.material(key).title

    def hourly_minimum(self, day: dt.date) -> tuple[Decimal, str] | None:
        """Return (amount, source) of the Beijing part-time hourly minimum in force on ``day``."""
        best: HourlyMinimum | None = None
        for entry in self.hourly_minimum_wage:
            if entry.start <= day and (best is None or entry.start >= best.start):
                best = entry
        return None if best is None else (best.amount, best.source)


def shipped_forms() -> dict[str, Material]:
    """Return {key: declaration} of every Word form (``form``, ``checklist``) the shipped policies
    declare, the newest policy's declaration first (tools, tests and ``render`` by name)."""
    forms: dict[str, Material] = {}
    for pol in sorted(shipped_policies(), key=lambda p: p.last_year, reverse=True):
        for key, mat in pol.material_catalogue.items():
            if mat.source in (FORM, CHECKLIST):
                forms.setdefault(key, mat)
    return forms


def policy_files() -> list[Path]:
    return sorted((schemas_dir() / "policy").glob("*.yaml"))


_TYPES_ZH = {"integer": "整数", "string": "文本", "boolean": "true/false", "list": "列表", "dict": "分项",
             "number": "数字", "date": "日期"}
# Cerberus speaks English; the person editing a policy file reads Chinese.
_REASONS = (
    (re.compile(r"^required field$"), "缺少此项"),
    (re.compile(r"^must be of (\w+) type$"), "类型应为 {0}"),
    (re.compile(r"^unallowed value (.*)$"), "不允许的取值 {0}"),
    (re.compile(r"^value does not match regex .*$"), "格式不对（金额写作带引号的数字，如 \"200000.00\"）"),
    (re.compile(r"^min value is (.*)$"), "不能小于 {0}"),
    (re.compile(r"^max value is (.*)$"), "不能大于 {0}"),
    (re.compile(r"^empty values not allowed$"), "不能为空"),
)


def _reason_zh(reason: str) -> str:
    for pattern, text in _REASONS:
        m = pattern.match(reason)
        if m:
            return text.format(*(_TYPES_ZH.get(g, g) for g in m.groups()))
    return reason


def _first_problem(errors: Mapping[str, Any], prefix: str = "") -> tuple[str, str]:
    """Return (dotted key, Cerberus message) of the first problem Cerberus reported."""
    key, problems = next(iter(sorted(errors.items(), key=lambda kv: str(kv[0]))))
    path = f"{prefix}{key}"
    for problem in problems:
        if isinstance(problem, dict):
            return _first_problem(problem, prefix=f"{path}.")
    return path, _reason_zh(str(problems[0]))


def check_policy_data(data: object, name: str) -> Mapping[str, Any]:
    """Return ``data`` when it is a valid policy; else raise ``policy-invalid`` naming the key."""
    if not isinstance(data, dict):
        raise PolicyError.make("policy-invalid", file=name, key="（整个文件）", reason="不是“项目: 值”的格式")
    schema = cast(dict[str, Any], load_yaml("policy-schema.yaml"))
    validator = Validator(schema, allow_unknown=True)
    if not validator.validate(data):
        key, reason = _first_problem(validator.errors)
        raise PolicyError.make("policy-invalid", file=name, key=key, reason=reason)
    catalogue = data["material_catalogue"]
    for kind, keys in sorted(data["materials"].items()):
        for key in keys:
            if key not in catalogue:
                raise PolicyError.make("policy-invalid", file=name, key=f"materials.{kind}",
                                       reason=f"不允许的取值 {key}（material_catalogue 中没有这份材料）")
    for key, entry in sorted(catalogue.items()):
        needs = {FORM: "template", CHECKLIST: "template", FOLDER: "folder"}.get(entry["source"])
        if needs and not entry.get(needs):
            raise PolicyError.make("policy-invalid", file=name, key=f"material_catalogue.{key}.{needs}",
                                   reason="缺少此项")
    return cast(Mapping[str, Any], data)


def _material(key: str, d: Mapping[str, Any]) -> Material:
    places = {role: str(d[role]) for role in (SEAL, SIGNATURE) if d.get(role)}
    return Material(key=key, title=str(d["title"]), source=str(d["source"]),
                    template=str(d["template"]) if d.get("template") else None, places=places,
                    one_page=_texts(d.get("one_page")), folder=str(d["folder"]) if d.get("folder") else None,
                    heading=str(d.get("heading", "")), optional=bool(d.get("optional", False)))


def _typed(d: Mapping[str, Any], path: Path, digest: str) -> Policy:
    """Return the typed policy of checked data ``d``."""
    years, due, op, emp, cnt, ros = (d[k] for k in ("service_years", "deadline", "operating_subsidy",
                                                    "employment_subsidy", "counting", "roster"))
    return Policy(
        id=str(d["id"]), version=str(d["version"]), title=str(d["title"]), issuer=str(d.get("issuer", "")),
        path=path, sha256=digest,
        service_years=ServiceYears(int(years["first"]), int(years["last"]), str(years.get("article", ""))),
        deadline=Deadline(int(due["month"]), int(due["day"]),
                          _date(due["last_date"]) if due.get("last_date") else None, str(due.get("article", ""))),
        operating=OperatingSubsidy(int(op["min_demand"]), int(op["min_matches"]), _money(op["amount"]),
                                   str(op.get("article", ""))),
        employment=EmploymentSubsidy(int(emp["step_matches"]), _money(emp["step_amount"]),
                                     _money(emp["cap_per_agency"]), bool(emp["requires_operating"]),
                                     str(emp.get("article", ""))),
        counting=Counting(int(cnt["hours_per_match"]), str(cnt["default_mode"]),
                          {str(k): _texts(v) for k, v in (cnt.get("row_override") or {}).items()},
                          str(cnt.get("article", ""))),
        roster=RosterLimits(
            min_age=int(ros["min_age"]), minor_age=int(ros["minor_age"]),
            plausible_max_age=int(ros["plausible_max_age"]),
            retirement_age=RetirementAge(int(ros["retirement_age"]["male"]), int(ros["retirement_age"]["female"])),
            max_hours_per_day=Decimal(str(ros["max_hours_per_day"])),
            warn_hours_per_day=Decimal(str(ros["warn_hours_per_day"])),
            max_ids_per_phone=int(ros["max_ids_per_phone"]), payment_methods=_texts(ros["payment_methods"]),
            payment_method_aliases={str(k): _texts(v) for k, v in (ros.get("payment_method_aliases") or {}).items()},
            cash_words=_texts(ros.get("cash_words") or ["现金"])),
        plausibility=_plausibility(d["plausibility"]),
        hourly_minimum_wage=tuple(HourlyMinimum(_date(e["from"]), Decimal(str(e["amount"])), str(e.get("source", "")))
                                  for e in d["hourly_minimum_wage"]),
        package_materials={str(k): _texts(v) for k, v in d["materials"].items()},
        material_catalogue={str(k): _material(str(k), v) for k, v in d["material_catalogue"].items()},
    )


@functools.cache
def _load(path: Path) -> Policy:
    try:
        raw = path.read_bytes()
        data = yaml.load(raw.decode("utf-8"), Loader=SafeLoader)  # SafeLoader or libyaml's CSafeLoader
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise PolicyError.make("policy-unreadable", file=path.name) from e
    return _typed(check_policy_data(data, path.name), path, hashlib.sha256(raw).hexdigest())


def shipped_policies() -> list[Policy]:
    """Return every policy shipped in schemas/policy/ (``policy-missing`` when there is none)."""
    policies = [_load(f) for f in policy_files()]
    if not policies:
        raise PolicyError.make("policy-missing")
    return policies


def named_id(named: object) -> str | None:
    """Return the policy id ``named`` (an application's ``政策:``, a manifest's policy id), or None
    when nothing is named; a file path is refused (``policy-path-in-application``)."""
    if named is None:
        return None
    name = str(named).strip()
    if not name:
        return None
    if "/" in name or "\\" in name or name.endswith((".yaml", ".yml")) or name in (".", ".."):
        raise ConfigError.make("policy-path-in-application", key=POLICY_KEY)
    return name


def policy_by_id(policy_id: str) -> Policy:
    """Return the shipped policy with id ``policy_id`` (``policy-unknown`` when there is none)."""
    policies = shipped_policies()
    for pol in policies:
        if pol.id == policy_id:
            return pol
    raise PolicyError.make("policy-unknown", name=policy_id, available="、".join(p.id for p in policies))


def policy_for_year(year: int | None) -> Policy:
    """Return the shipped policy covering ``year`` (the newest such), else the newest policy."""
    policies = shipped_policies()
    if year is not None:
        covering = [p for p in policies if p.covers(year)]
        if covering:
            return max(covering, key=lambda p: p.first_year)
    return max(policies, key=lambda p: p.last_year)


def policy_for(year: int | None, named: object = None, *, choice: Policy | str | Path | None = None) -> Policy:
    """Return the policy that applies to an application for ``year``: the operator's ``choice``
    (``compute --policy``), else the one the application names by id (``政策: chaoyang-2024``, or
    a package's manifest), else the shipped one covering ``year``.

    The one choice of every stage (validate, compute, build, intake, the web page). A file path in
    ``named`` is refused whatever else is given (``policy-path-in-application``), an unknown id
    too (``policy-unknown``): no file outside the shipped policy folder is opened because an
    application or a package names it.
    """
    policy_id = named_id(named)
    if choice is not None:
        return chosen_policy(choice)
    return policy_by_id(policy_id) if policy_id else policy_for_year(year)


def load_policy_file(path: str | Path) -> Policy:
    """Return the policy in the file ``path``: only for a file the operator names himself
    (``compute --policy FILE``, tests), never for one an application or package names."""
    return _load(Path(path).resolve())


def chosen_policy(choice: Policy | str | Path) -> Policy:
    """Return the policy the operator chose: a Policy, a shipped policy's id or a policy file."""
    if isinstance(choice, Policy):
        return choice
    text = str(choice)
    if Path(text).suffix in (".yaml", ".yml") and Path(text).is_file():
        return load_policy_file(text)
    return policy_by_id(text.strip())

