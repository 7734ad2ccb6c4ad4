"""``compute_application`` / ``compute_many``: the figures of applications, with the reasoning.

The figures are always computed, whatever the findings say: a finding that blocks the application
(errors in the data, a year outside the policy, a missed deadline) goes to ``Figures.blocking`` and
never replaces a number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from lingong_docs.compute.amounts import CAP_RULE, ZERO, Amounts, amounts, cap_rule_zh, share_cap
from lingong_docs.compute.counting import (
    BY_HOURS,
    READINGS,
    DemandTotal,
    MatchCount,
    count_matches,
    reading_labels,
    sum_demand,
)
from lingong_docs.compute.progress import Monthly, monthly
from lingong_docs.core import findings as F
from lingong_docs.core.dates import YEAR_BASIS, year_from_data
from lingong_docs.core.errors import ConfigError
from lingong_docs.core.findings import Report, rows_text
from lingong_docs.core.kinds import EMPLOYMENT, KINDS, OPERATING
from lingong_docs.core.manifest import FIGURE_LABELS
from lingong_docs.core.model import Application
from lingong_docs.core.policy import Policy, chosen_policy, policy_for
from lingong_docs.util.money import cn_date, rmb_upper, to_money, yuan

JSON_KEYS = ("year", "policy", "applicant", "uscc", "market", "counting_mode", "demand_total",
             "match_count", "match_count_readings", "operating_subsidy", "employment_subsidy",
             "total", "operating_passed", "cap", "warnings", "blocking", "explanation",
             "employment_before_cap", "counted_rows", "excluded_rows", "as_of", "deadline")

PolicyChoice = Policy | str | Path     # a Policy, a shipped policy's id, or a policy file the operator names

@dataclass
class Figures:
    """The computed figures of one application (one market, one service year)."""

    year: int
    policy: Policy
    applicant: str | None
    uscc: str | None
    market: str | None
    counting_mode: str
    demand_total: int
    match_count: int
    match_count_readings: dict[str, int]
    operating_passed: bool
    operating_subsidy: Decimal
    employment_before_cap: Decimal
    employment_subsidy: Decimal
    total: Decimal
    counted_rows: int
    excluded_rows: int
    as_of: dt.date
    deadline: dt.date
    kinds: list[str] = field(default_factory=list)
    folder: Path | None = None
    cap: dict[str, Any] = field(default_factory=dict)
    warnings: list[F.Finding] = field(default_factory=list)
    blocking: list[F.Finding] = field(default_factory=list)
    explanation: list[dict[str, Any]] = field(default_factory=list)
    matches: MatchCount | None = field(default=None, repr=False)
    demand: DemandTotal | None = field(default=None, repr=False)
    months: Monthly | None = field(default=None, repr=False)     # cumulative figures per month

    def to_dict(self) -> dict[str, Any]:
        """Return JSON-ready data; amounts are yuan as JSON numbers (``float`` of the Decimal)."""
        return {
            "year": self.year,
            "policy": {"id": self.policy.id, "version": self.policy.version},
            "applicant": self.applicant,
            "uscc": self.uscc,
            "market": self.market,
            "counting_mode": self.counting_mode,
            "demand_total": self.demand_total,
            "match_count": self.match_count,
            "match_count_readings": dict(self.match_count_readings),
            "operating_subsidy": jsonable(self.operating_subsidy),
            "employment_subsidy": jsonable(self.employment_subsidy),
            "total": jsonable(self.total),
            "operating_passed": self.operating_passed,
            "cap": jsonable(self.cap),
            "warnings": [_finding_dict(f) for f in self.warnings],
            "blocking": [_finding_dict(f) for f in self.blocking],
            "explanation": jsonable(self.explanation),
            "employment_before_cap": jsonable(self.employment_before_cap),
            "counted_rows": self.counted_rows,
            "excluded_rows": self.excluded_rows,
            "as_of": self.as_of.isoformat(),
            "deadline": self.deadline.isoformat(),
        }


def jsonable(value: Any) -> Any:
    """Return ``value`` with Decimal as float (money: exact to the cent), dates as ISO text."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Fraction):
        return fraction_text(value, sep=False)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Path):
        return value.name
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def _finding_dict(f: F.Finding) -> dict[str, Any]:
    return {"code": f.code, "severity": f.severity, "message": f.message}


# ---- the doors -------------------------------------------------------------------------------

def compute_application(app: Application, report: Report, *, policy: PolicyChoice | None = None,
                        as_of: dt.date | None = None,
                        today: dt.date | None = None) -> Figures:
    """Return the figures of one application; the agency cap applies to this market alone."""
    return compute_many([app], [report], policy=policy, as_of=as_of, today=today)[0]


def compute_many(apps: Sequence[Application], reports: Sequence[Report], *, policy: PolicyChoice | None = None,
                 as_of: dt.date | None = None,
                 today: dt.date | None = None) -> list[Figures]:
    """Return the figures of several applications (one per market), in the order given.

    Markets of one agency (same 统一社会信用代码) in the same year share the agency cap (第十条);
    see ``share_cap`` for how. ``policy`` (a Policy, an id or a policy file) overrides the policy
    named in each application file, which overrides the one chosen by year. ``as_of`` replaces
    the 申请日期 for the deadline check; ``today`` stands in for the current date.
    """
    if len(apps) != len(reports):
        raise ConfigError.make("compute-arguments")
    folders = [Path(a.folder).resolve() for a in apps if a.folder is not None]
    if len(set(folders)) != len(folders):
        raise ConfigError.make("compute-folder-twice")
    today = today or dt.date.today()
    if policy is not None:
        policy = chosen_policy(policy)
    figures = [_compute_one(app, report, policy, as_of, today) for app, report in zip(apps, reports)]
    _apply_cap(figures)
    for fig in figures:
        fig.explanation = _explain(fig)
    return figures


# ---- one application -------------------------------------------------------------------------

def _kinds(app: Application) -> list[str]:
    return list(app.info.kinds) or [OPERATING, EMPLOYMENT]


def _header_value(app: Application, attr: str) -> Any:
    value = getattr(app.info, attr, None)
    if value:
        return value
    for table in app.tables:
        if getattr(table, attr, None):
            return getattr(table, attr)
    return None


def _compute_one(app: Application, report: Report, policy: Policy | None, as_of: dt.date | None,
                 today: dt.date) -> Figures:
    roster_records = app.roster.records if app.roster is not None else []
    posts_records = app.job_posts.records if app.job_posts is not None else []
    blocking: list[F.Finding] = []
    warnings: list[F.Finding] = []

    year = app.info.year
    if year is None:
        assumed, source = year_from_data(app)
        # Only without any data or date at all: the year before the day of the computation.
        year = assumed if assumed is not None else (as_of or today).year - 1
        basis = YEAR_BASIS[source] if source else "按计算日期的上一年推定"
        blocking.append(F.make("year-assumed", year=year, basis=basis))

    policy = policy_for(year, app.info.policy, choice=policy)

    roster_errors = report.error_rows(app.roster.path.name) if app.roster is not None else set()
    post_errors = report.error_rows(app.job_posts.path.name) if app.job_posts is not None else set()
    mode = app.info.counting_mode or policy.counting.default_mode
    count = count_matches(roster_records, mode, year, policy, error_rows=roster_errors)
    demand = sum_demand(posts_records, year, error_rows=post_errors)
    if report.errors:
        blocking.append(F.make("input-has-errors", errors=report.errors,
                               rows=len(count.error_rows) + len(demand.error_rows),
                               roster_rows=len(count.error_rows), post_rows=len(demand.error_rows)))

    # validity: service year and deadline (第十一、十六条)
    deadline = policy.deadline_for(year)
    checked = as_of or app.info.application_date or today
    blocking.extend(policy.validity(year, checked))

    entitled = amounts(demand.total, count.declared, policy)
    kinds = _kinds(app)
    warnings.extend(_count_findings(app, count, demand))
    warnings.extend(_void_findings(app, report, count, demand))
    warnings.extend(_reading_findings(entitled, count, policy))
    operating = entitled.operating_subsidy if OPERATING in kinds else ZERO
    before_cap = entitled.employment_before_cap if EMPLOYMENT in kinds else ZERO
    for kind, label, amount in ((OPERATING, KINDS[OPERATING].label, entitled.operating_subsidy),
                                (EMPLOYMENT, KINDS[EMPLOYMENT].label, entitled.employment_subsidy)):
        if kind not in kinds and amount > 0:
            warnings.append(F.make("subsidy-not-applied", subsidy=label, amount=yuan(amount)))
    employment = min(before_cap, policy.employment.cap_per_agency)
    return Figures(
        year=year, policy=policy, applicant=_header_value(app, "applicant"),
        uscc=_header_value(app, "uscc"), market=app.info.market, counting_mode=mode,
        demand_total=demand.total, match_count=count.declared,
        match_count_readings=count.readings, operating_passed=entitled.operating_passed,
        operating_subsidy=operating, employment_before_cap=before_cap, employment_subsidy=employment,
        total=to_money(operating + employment), counted_rows=len(count.counted),
        excluded_rows=count.excluded, as_of=checked, deadline=deadline, kinds=kinds,
        folder=Path(app.folder) if app.folder is not None else None,
        warnings=warnings, blocking=blocking, matches=count, demand=demand,
        months=monthly(roster_records, posts_records, count, demand, policy),
    )


def _count_findings(app: Application, count: MatchCount, demand: DemandTotal) -> list[F.Finding]:
    out = []
    roster = app.roster.path.name if app.roster is not None else None
    posts = app.job_posts.path.name if app.job_posts is not None else None
    y = count.year
    groups: tuple[tuple[str, tuple[int, ...], str | None, dict[str, Any]], ...] = (
        ("year-end-counted", count.spanning_rows, roster, {}),
        ("ends-outside-year", count.outside_year_rows, roster, {}),
        ("end-missing", count.undated_rows, roster, {}),
        ("duplicates-counted-once", count.duplicate_rows, roster, {}),
        ("row-mode-override", count.override_rows, roster, {"mode": count.mode}),
        ("row-mode-ambiguous", count.ambiguous_rows, roster, {"mode": count.mode}),
        ("posts-outside-year", demand.outside_year_rows, posts, {}),
        ("posts-unusable", demand.unusable_rows, posts, {}),
    )
    for code, rows, file, extra in groups:
        if rows:
            out.append(F.make(code, file=file, count=len(rows), rows=rows_text(rows), year=y, **extra))
    uses_hours = count.mode == BY_HOURS or count.override_rows
    if count.no_hours_rows and uses_hours:
        out.append(F.make("hours-missing", file=roster, count=len(count.no_hours_rows),
                          rows=rows_text(count.no_hours_rows)))
    if app.job_posts is None:
        out.append(F.make("job-posts-absent"))
    return out


def _void_findings(app: Application, report: Report, count: MatchCount, demand: DemandTotal) -> list[F.Finding]:
    """Say how many counted rows the operator marked void (备注 作废, struck through): they count."""
    out: list[F.Finding] = []
    for table, counted in ((app.roster, count.counted), (app.job_posts, demand.counted)):
        if table is None:
            continue
        marked = {f.row for f in report.findings
                  if f.code in F.VOID_CODES and f.file == table.path.name and f.row is not None}
        rows = sorted(marked.intersection(counted))
        if rows:
            out.append(F.make("void-rows-counted", file=table.path.name, count=len(rows), rows=rows_text(rows)))
    return out


def _tier_text(a: Amounts, used: Amounts) -> str:
    if a.operating_passed != used.operating_passed:
        return "运营经费补贴将" + ("符合标准" if a.operating_passed else "不符合标准") + \
               f"，就业服务补贴为{yuan(a.employment_subsidy)}元"
    return f"就业服务补贴将为{yuan(a.employment_subsidy)}元（本次{yuan(used.employment_subsidy)}元）"


@dataclass(frozen=True)
class Reading:
    """One reading of the count (第九条括注) with the subsidies it would give."""

    key: str
    label: str
    count: int
    amounts: Amounts
    same_tier: bool          # gives the same operating pass and employment step as the declared reading

    def to_dict(self) -> dict[str, Any]:
        """Return the reading as the 补贴金额 page shows it (amounts as formatted yuan)."""
        return {"key": self.key, "label": self.label, "count": self.count, "passed": self.amounts.operating_passed,
                "operating": yuan(self.amounts.operating_subsidy), "employment": yuan(self.amounts.employment_subsidy),
                "same": self.same_tier}


def reading_amounts(fig: Figures) -> list[Reading]:
    """Return, per reading of the count, the 个次 and the subsidies that reading gives (第九、十条)."""
    hours = fig.matches.hours_per_match if fig.matches is not None else fig.policy.counting.hours_per_match
    labels = reading_labels(hours)
    used = amounts(fig.demand_total, fig.match_count, fig.policy)
    out = []
    for key in READINGS:
        count = fig.match_count_readings.get(key)
        if count is not None:
            a = amounts(fig.demand_total, count, fig.policy)
            out.append(Reading(key=key, label=labels[key], count=count, amounts=a, same_tier=a.tier == used.tier))
    return out


def _reading_findings(used: Amounts, count: MatchCount, policy: Policy) -> list[F.Finding]:
    labels = reading_labels(count.hours_per_match)
    out = []
    for key in READINGS[1:]:
        other = amounts(used.demand, getattr(count, key), policy)
        if other.tier != used.tier:
            out.append(F.make("reading-changes-tier", reading=labels[key], count=f"{other.count:,}",
                              mode=count.mode, used=f"{used.count:,}", effect=_tier_text(other, used),
                              hours=count.hours_per_match))
    return out


# ---- the agency cap ---------------------------------------------------------------------------

UNPAYABLE = ("deadline-passed", "year-outside-policy")


def _unpayable(fig: Figures) -> bool:
    return any(f.code in UNPAYABLE for f in fig.blocking)


def _apply_cap(figures: list[Figures]) -> None:
    """Share the per-agency cap among the figures of one agency and year (第十条)."""
    groups: dict[tuple[str, int], list[Figures]] = {}
    for i, fig in enumerate(figures):
        key = (fig.uscc or f"#{i}", fig.year)
        groups.setdefault(key, []).append(fig)
    for (_code, year), members in groups.items():
        policy = members[0].policy
        cap = policy.employment.cap_per_agency
        step = policy.employment.step_amount
        names = [f.market or (f.folder.name if f.folder else "") for f in members]
        for name in sorted({n for n in names if n and names.count(n) > 1}):
            for fig in members:
                if fig.market == name:
                    fig.warnings.append(F.make("market-twice", market=name, count=names.count(name)))
        # A market that cannot be paid at all (late, or a year outside the policy) takes no share
        # of the agency's cap: the others share it as if it were absent. Its own figure still
        # shows what it would be entitled to, next to the finding that blocks it.
        payable = [not _unpayable(f) for f in members]
        granted_payable = iter(share_cap([f.employment_before_cap for f, ok in zip(members, payable) if ok],
                                         cap, step, [n for n, ok in zip(names, payable) if ok]))
        granted = [next(granted_payable) if ok else min(f.employment_before_cap, cap)
                   for f, ok in zip(members, payable)]
        before_total = sum((f.employment_before_cap for f, ok in zip(members, payable) if ok), ZERO)
        shares = [{"market": f.market, "folder": f.folder.name if f.folder else None,
                   "before_cap": f.employment_before_cap, "after_cap": g}
                  for f, g in zip(members, granted)]
        for fig, g in zip(members, granted):
            fig.employment_subsidy = g
            fig.total = to_money(fig.operating_subsidy + g)
            fig.cap = {"limit": cap, "rule": CAP_RULE, "applied": before_total > cap,
                       "agency_before_cap": before_total,
                       "agency_after_cap": sum((g for g, ok in zip(granted, payable) if ok), ZERO),
                       "markets": shares}
            if before_total > cap:
                fig.warnings.append(F.make("agency-cap-applied", uscc=fig.uscc or "未填写", year=year,
                                           before=yuan(before_total), cap=yuan(cap),
                                           after=yuan(g)))


# ---- the reasoning, figure by figure -------------------------------------------------------

def _n(x: int) -> str:
    return f"{x:,}"


def fraction_text(value: Fraction, sep: bool = True) -> str:
    """Return an exact decimal (``41,700.5``) when the fraction has one, else ``p/q``."""
    den = value.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den != 1:
        return f"{value.numerator}/{value.denominator}"
    places = max(twos, fives)
    scaled = value * 10**places
    d = Decimal(int(scaled)).scaleb(-places)
    text = f"{d:,f}" if sep else f"{d:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _short_money(value: Decimal) -> str:
    """Return ``100,000`` for whole yuan, else ``100,000.50``."""
    return f"{int(value):,}" if value == value.to_integral_value() else yuan(value)


def _entry(name: str, value: Any, inputs: dict[str, Any], rule: str, article: str, arithmetic: str) -> dict[str, Any]:
    return {"name": name, "value": value, "inputs": inputs, "rule": rule, "article": article,
            "arithmetic": arithmetic}


def _explain(fig: Figures) -> list[dict[str, Any]]:
    """Return the reasoning behind each figure, in the order the forms print them."""
    assert fig.matches is not None and fig.demand is not None   # set by _compute_one
    return [_explain_demand(fig, fig.demand), _explain_matches(fig, fig.matches),
            _explain_readings(fig, fig.matches), _explain_operating(fig), _explain_employment(fig),
            _explain_cap(fig), _explain_total(fig), _explain_deadline(fig)]


def _explain_demand(fig: Figures, d: DemandTotal) -> dict[str, Any]:
    op = fig.policy.operating
    min_demand = op.min_demand
    return _entry(
        FIGURE_LABELS["demand_total"], fig.demand_total,
        {"year": fig.year, "posts_counted": len(d.counted),
         "posts_excluded": len(d.error_rows) + len(d.outside_year_rows) + len(d.unusable_rows),
         "min_demand": min_demand},
        f"附件4中发布时间在{fig.year}年、且无错误的岗位，需求人数相加", op.article,
        f"需求人数合计 = {_n(len(d.counted))}个岗位的需求人数之和 = {_n(fig.demand_total)} 人"
        f"（{op.article}：不少于{_n(min_demand)}人）")


def _counting_article(fig: Figures) -> str:
    return fig.policy.counting.article or fig.policy.operating.article


def _explain_matches(fig: Figures, c: MatchCount) -> dict[str, Any]:
    h = c.hours_per_match
    art = _counting_article(fig)
    if c.by_hours_rows == 0:
        arith = f"撮合个次 = 有效记录 {_n(c.by_record_rows)} 条 × 1 = {_n(c.declared)} 个次"
    else:
        quotient = c.hours_declared / h
        hours_part = (f"floor({fraction_text(c.hours_declared)} 小时 ÷ {h}) = floor({fraction_text(quotient)})")
        if c.by_record_rows == 0:
            arith = f"撮合个次 = {hours_part} = {_n(c.declared)} 个次"
        else:
            arith = (f"撮合个次 = 按次 {_n(c.by_record_rows)} 条 × 1 + 按时长 {_n(c.by_hours_rows)} 条 "
                     f"{hours_part} = {_n(c.by_record_rows)} + {_n(int(quotient))} = {_n(c.declared)} 个次")
    return _entry(
        FIGURE_LABELS["match_count"], fig.match_count,
        {"counting_mode": c.mode, "rows_counted": len(c.counted), "rows_by_record": c.by_record_rows,
         "rows_by_hours": c.by_hours_rows, "hours_by_hours_rows": c.hours_declared,
         "rows_excluded_errors": len(c.error_rows), "rows_excluded_duplicates": len(c.duplicate_rows),
         "rows_excluded_outside_year": len(c.outside_year_rows), "rows_excluded_undated": len(c.undated_rows),
         "rows_year_end": len(c.spanning_rows), "rows_mode_override": len(c.override_rows)},
        f"花名册中无错误的记录；完全重复的只计一次；按任务完成时间所在年度计入；申报方式为{c.mode}"
        f"（备注可逐行指定）：按次每条计1个次，按时长以{h}小时=1个次折算，合计后只取整一次",
        art, f"{arith}（{c.mode}；{art}）")


def _explain_readings(fig: Figures, c: MatchCount) -> dict[str, Any]:
    h = c.hours_per_match
    labels = reading_labels(h)
    return _entry(
        FIGURE_LABELS["match_count_readings"], {k: v for k, v in fig.match_count_readings.items() if k != "declared"},
        {"hours_all_rows": c.hours_all, "rows_counted": len(c.counted)},
        "第九条括注的其他理解，仅供核对；任一口径改变补贴档次时给出警告", _counting_article(fig),
        f"{labels['per_record']} = {_n(c.per_record)}；"
        f"{labels['hours_total']} = floor({fraction_text(c.hours_all)} ÷ {h}) = {_n(c.hours_total)}；"
        f"{labels['hours_per_row']} = {_n(c.hours_per_row)}")


def _explain_operating(fig: Figures) -> dict[str, Any]:
    p = fig.policy
    op = p.operating
    min_demand, min_matches = op.min_demand, op.min_matches
    checks = [f"需求人数 {_n(fig.demand_total)} {'≥' if fig.demand_total >= min_demand else '<'} {_n(min_demand)}",
              f"撮合个次 {_n(fig.match_count)} {'≥' if fig.match_count >= min_matches else '<'} {_n(min_matches)}"]
    amount = op.amount
    if fig.operating_passed:
        arith = f"{checks[0]} 且 {checks[1]}，符合 → 运营经费补贴 = {yuan(amount)} 元"
    else:
        arith = f"{checks[0]}，{checks[1]}，不符合（两项都须达到）→ 运营经费补贴 = 0.00 元"
    if OPERATING not in fig.kinds and fig.operating_passed:
        arith += "；申请事项未包含运营经费补贴 → 0.00 元"
    return _entry(
        FIGURE_LABELS["operating_subsidy"], fig.operating_subsidy,
        {"demand_total": fig.demand_total, "match_count": fig.match_count, "min_demand": min_demand,
         "min_matches": min_matches, "amount": amount, "applied_for": OPERATING in fig.kinds},
        f"年度需求人数不少于{_n(min_demand)}人且撮合不少于{_n(min_matches)}个次，按{_short_money(amount)}元/年补贴",
        op.article, f"{arith}（{op.article}）")


def _explain_employment(fig: Figures) -> dict[str, Any]:
    p = fig.policy
    emp = p.employment
    step_n, step_amount = emp.step_matches, emp.step_amount
    e_art = emp.article
    steps = fig.match_count // step_n
    if not fig.operating_passed and emp.requires_operating:
        arith = "未符合运营经费补贴标准 → 就业服务补贴 = 0.00 元"
    else:
        arith = (f"就业服务补贴 = {_short_money(step_amount)} × floor({_n(fig.match_count)} ÷ {_n(step_n)}) = "
                 f"{_short_money(step_amount)} × {_n(steps)} = {yuan(step_amount * steps)} 元")
        if EMPLOYMENT not in fig.kinds:
            arith += "；申请事项未包含就业服务补贴 → 0.00 元"
        elif fig.employment_subsidy != fig.employment_before_cap:
            arith += f"；机构年度上限 → {yuan(fig.employment_subsidy)} 元"
    return _entry(
        FIGURE_LABELS["employment_subsidy"], fig.employment_subsidy,
        {"match_count": fig.match_count, "step_matches": step_n, "step_amount": step_amount,
         "operating_passed": fig.operating_passed, "before_cap": fig.employment_before_cap,
         "applied_for": EMPLOYMENT in fig.kinds},
        f"符合运营经费补贴标准的，每达到{_n(step_n)}个次给予{_short_money(step_amount)}元", e_art,
        f"{arith}（{e_art}）")


def _explain_cap(fig: Figures) -> dict[str, Any]:
    p = fig.policy
    e_art = p.employment.article
    step_amount = p.employment.step_amount
    cap = fig.cap
    shares = cap.get("markets", [])
    who = f"同一机构（{fig.uscc or '统一社会信用代码未填写'}）{fig.year}年度"
    if cap.get("applied"):
        parts = "；".join(f"{s['market'] or s['folder'] or '未命名'} {yuan(s['before_cap'])} → {yuan(s['after_cap'])}"
                          for s in shares)
        arith = (f"{who}本次计算的{len(shares)}个零工市场就业服务补贴合计 {yuan(cap['agency_before_cap'])} 元 > "
                 f"上限 {yuan(cap['limit'])} 元 → {cap_rule_zh(step_amount)}：{parts}")
    else:
        arith = (f"{who}本次计算的{len(shares)}个零工市场就业服务补贴合计 {yuan(cap.get('agency_before_cap', ZERO))} 元 ≤ "
                 f"上限 {yuan(cap.get('limit', ZERO))} 元，无需分配")
    return _entry(
        FIGURE_LABELS["cap"], cap.get("limit"),
        {"agency_before_cap": cap.get("agency_before_cap"), "agency_after_cap": cap.get("agency_after_cap"),
         "markets": len(shares), "rule": CAP_RULE},
        "同一人力资源机构1个自然年度内就业服务补贴最高不超过上限；同一统一社会信用代码的各零工市场合计计算。"
        "只能在一并计算的申请之间分配：机构的其他零工市场须一并列出", e_art, f"{arith}（{e_art}）")


def _explain_total(fig: Figures) -> dict[str, Any]:
    op_art, e_art = fig.policy.operating.article, fig.policy.employment.article
    return _entry(
        FIGURE_LABELS["total"], fig.total,
        {"operating_subsidy": fig.operating_subsidy, "employment_subsidy": fig.employment_subsidy},
        "运营经费补贴与就业服务补贴相加", f"{op_art}、{e_art}",
        f"合计 = {yuan(fig.operating_subsidy)} + {yuan(fig.employment_subsidy)} = {yuan(fig.total)} 元"
        f"（{rmb_upper(fig.total)}）")


def _explain_deadline(fig: Figures) -> dict[str, Any]:
    p = fig.policy
    d_art = p.deadline.article
    s_art = p.service_years.article
    last = p.deadline.last_date
    in_years = "在" if p.covers(fig.year) else "不在"
    late = "已逾期" if fig.as_of > fig.deadline else "未逾期"
    return _entry(
        FIGURE_LABELS["deadline"], fig.deadline,
        {"year": fig.year, "first_year": p.first_year, "last_year": p.last_year, "as_of": fig.as_of,
         "last_date": last},
        f"次年{p.deadline.month}月{p.deadline.day}日前提交上年度申请；"
        f"服务年度{p.first_year}—{p.last_year}年" + (f"；申请有效期截至{cn_date(last)}" if last else ""),
        f"{d_art}、{s_art}" if s_art and s_art not in d_art else d_art,
        f"{fig.year}年{in_years}服务年度{p.first_year}—{p.last_year}年内；{fig.year}年度申请截止日期 = "
        f"{cn_date(fig.deadline)}；申请日期 {cn_date(fig.as_of)}，{late}（{d_art}）")
