#!/usr/bin/env python3
"""Generate the synthetic sample applications and benchmark rosters.

    .venv/bin/python samples/generate.py --seed 2025 --out samples
    .venv/bin/python samples/generate.py --only roster --rows 30000 --roster-out bench/data/roster-30000.xlsx

``samples/demo``   a complete, valid application for 2025 (附件4, 附件5, 支付凭证) that reaches the
                   operating subsidy and the 10万 employment tier;
``samples/broken`` a small application with exactly one example of each mistake the rulebook
                   (docs/rules.md §6–§9) lists, and ``expected.yaml``: the findings validation must give.

Every person is made up here: names from surname and given-name lists, ID numbers built from real
county codes, random birth dates and sequence digits with a correct GB 11643 check character, and
random mobile numbers. Output is the same, byte for byte, for the same seed.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import io
import json
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from random import Random

from openpyxl import Workbook, load_workbook

from lingong_docs.util.atomic import atomic_write_bytes
from lingong_docs.identifiers import idcard
from lingong_docs.identifiers import uscc as uscc_mod
from lingong_docs.blanks import init_application
from lingong_docs.util.money import rmb_upper, yuan
from lingong_docs.util.pii import mask_id, mask_name
from lingong_docs.core.tables import JOB_POSTS, ROSTER, header_block, spec

YEAR = 2025
TODAY = dt.date(2026, 3, 1)               # the day init is run for the samples
APPLICATION_DATE = dt.date(2026, 3, 5)
APPLICANT = "北京示例人力资源有限公司"
USCC = "91110105MA01ABCD39"
MARKET = "朝阳区望京示例零工驿站"
OTHER_USCC_17 = "91110108MA02KLMN5"       # another (valid) agency's code for the mismatch example
HEADER_ROW = 4
FIXED_STAMP = (2026, 3, 1, 0, 0, 0)        # zip member times and workbook properties
DEFAULT_DEMO_ROWS = 5200
DEFAULT_BENCH_ROWS = 30000
BATCH_ROWS = 2000                          # rows per bank batch statement in the demo
ROSTER_FILE = spec(ROSTER).default_file
POSTS_FILE = spec(JOB_POSTS).default_file
EVIDENCE = "支付凭证"
CENT = Decimal("0.01")

assert uscc_mod.check(USCC) is None

# ---------------------------------------------------------------------------------------------
# Name, place and number material (all synthetic; county codes are real codes, people are not)
# ---------------------------------------------------------------------------------------------

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔向汤"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方")
GIVEN_MALE = "伟强磊军洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆旭宁龙林峰建国志文博海亮成东晨阳振永庆"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞燕玲丹萍红婷雪慧倩颖琳晶欣悦佳璐雯怡蕾梅莉兰凤洁秀英玉桂琴云月春"

# Real county-level codes (six digits), weighted towards the provinces most gig workers come from.
COUNTIES = (
    # Beijing: 东城 西城 朝阳 丰台 石景山 海淀 房山 通州 顺义 昌平 大兴
    ("110101", 3), ("110102", 3), ("110105", 8), ("110106", 4), ("110107", 2), ("110108", 4),
    ("110111", 2), ("110112", 3), ("110113", 2), ("110114", 3), ("110115", 3),
    # Hebei: 石家庄长安 桥西, 唐山路北, 保定竞秀, 廊坊安次 广阳
    ("130102", 3), ("130104", 3), ("130203", 3), ("130602", 3), ("131002", 3), ("131003", 3),
    # Henan: 郑州中原 二七 金水, 洛阳老城, 南阳宛城, 周口川汇
    ("410102", 3), ("410103", 3), ("410105", 3), ("410302", 2), ("411302", 3), ("411602", 3),
    # Shandong: 济南历下 市中, 青岛市南 市北, 潍坊潍城, 临沂兰山
    ("370102", 2), ("370103", 2), ("370202", 2), ("370203", 2), ("370702", 2), ("371302", 3),
    # Anhui: 合肥瑶海 庐阳 蜀山, 芜湖镜湖, 阜阳颍州
    ("340102", 2), ("340103", 2), ("340104", 2), ("340202", 2), ("341202", 3),
    # Sichuan: 成都锦江 青羊 金牛 武侯, 泸州江阳, 宜宾翠屏
    ("510104", 2), ("510105", 2), ("510106", 2), ("510107", 2), ("510502", 2), ("511502", 2),
    # Hubei: 武汉江岸 江汉 武昌 洪山, 襄阳襄城
    ("420102", 2), ("420103", 2), ("420106", 2), ("420111", 2), ("420602", 2),
    # Heilongjiang: 哈尔滨道里 南岗 道外, 齐齐哈尔龙沙, 大庆萨尔图
    ("230102", 2), ("230103", 2), ("230104", 2), ("230202", 1), ("230602", 1),
)
MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155",
    "156", "157", "158", "159", "166", "173", "175", "176", "177", "178", "180", "181", "182", "183",
    "185", "186", "187", "188", "189", "191", "198", "199",
)
PAYMENT_METHODS = (("银行转账", 60), ("微信", 25), ("支付宝", 15))
ROSTER_REMARKS = ("临时顶岗", "周末班", "自带工具", "含餐补", "雨天顺延", "提前到岗")


@dataclass(frozen=True)
class Job:
    title: str          # 岗位
    category: str       # 岗位（任务）类型 on 附件4
    venues: tuple       # places in 朝阳区
    rates: tuple        # 元/小时, always above the Beijing part-time minimum
    start: tuple        # earliest and latest start hour
    span: tuple         # shortest and longest task in hours
    weight: int
    demand: tuple       # typical 需求人数 of one post


JOBS = (
    Job("会展搭建工", "会展", ("奥林匹克公园国家会议中心", "酒仙桥751园区", "望京SOHO", "三里屯工人体育场"),
        (38, 40, 42, 45, 50), (6, 9), (8, 10.5), 12, (20, 90)),
    Job("活动礼仪", "会展", ("国贸商城", "三里屯太古里", "奥林匹克公园国家会议中心", "朝阳公园蓝色港湾"),
        (45, 50, 55, 60), (9, 14), (4, 6), 4, (4, 20)),
    Job("展会引导员", "会展", ("奥林匹克公园国家会议中心", "酒仙桥751园区"),
        (35, 40, 45), (8, 10), (6, 9), 5, (10, 40)),
    Job("商场促销员", "零售", ("三里屯太古里", "国贸商城", "青年路朝阳大悦城", "朝阳公园蓝色港湾", "双井富力广场",
                          "常营长楹天街", "亚运村北辰购物中心", "大望路华贸中心"),
        (30, 32, 35, 38), (9, 13), (4, 9), 14, (5, 40)),
    Job("超市理货员", "零售", ("常营长楹天街", "双井富力广场", "劲松", "十里堡"),
        (28, 30, 32), (7, 14), (4, 8), 7, (5, 30)),
    Job("快递分拣员", "物流", ("十里堡快递分拣站", "大望路快递网点", "常营物流站", "酒仙桥快递站", "东坝物流仓"),
        (28, 30, 32, 35), (6, 14), (4, 9), 16, (20, 80)),
    Job("外卖配送员", "配送", ("望京", "亚运村", "劲松", "三里屯", "国贸", "双井"),
        (32, 35, 38, 40, 45), (10, 17), (3, 6), 10, (10, 60)),
    Job("保洁员", "家政保洁", ("双井", "劲松", "望京", "亚运村", "常营", "国贸写字楼"),
        (35, 38, 40, 45, 50), (8, 15), (3, 6), 10, (5, 30)),
    Job("搬运装卸工", "搬运", ("十里堡仓库", "酒仙桥仓库", "常营物流站", "东坝物流仓", "大望路华贸中心"),
        (40, 45, 50), (6, 15), (3, 8), 8, (5, 40)),
    Job("安保协管员", "安保", ("奥林匹克公园", "朝阳公园", "三里屯工人体育场", "奥林匹克公园国家会议中心"),
        (28, 30, 32, 35), (7, 13), (6, 10), 7, (10, 60)),
    Job("餐饮服务员", "临时", ("三里屯太古里", "国贸商城", "亚运村", "望京SOHO", "青年路朝阳大悦城"),
        (28, 30, 32, 35), (10, 16), (4, 7), 10, (5, 30)),
    Job("后厨帮工", "餐饮", ("三里屯", "国贸", "望京", "双井"),
        (28, 30, 32), (9, 14), (4, 8), 4, (3, 15)),
    Job("传单派发员", "推广", ("国贸", "三里屯", "望京", "大望路"),
        (30, 35), (10, 15), (3, 5), 3, (5, 30)),
    Job("数据录入员", "文职", ("望京SOHO", "国贸写字楼", "大望路华贸中心"),
        (30, 35, 40), (9, 10), (4, 8), 3, (3, 15)),
    Job("绿化养护工", "绿化", ("朝阳公园", "奥林匹克公园"),
        (30, 32, 35), (7, 9), (4, 8), 3, (5, 30)),
)
POST_REMARKS = ("需健康证", "周末两天", "长期招募", "需自带工具", "提供工作餐", "限朝阳区内", "可排班", "按时到岗")
POST_PREFIX = {  # how an operator words a post title
    "会展": ("夜间", "临时", ""), "零售": ("周末", "节日", ""), "物流": ("夜班", "早班", ""),
    "配送": ("午高峰", "晚高峰", ""), "家政保洁": ("日常", "开荒", ""), "搬运": ("", "临时"),
    "安保": ("大型活动", ""), "临时": ("", "周末"), "餐饮": ("",), "推广": ("",), "文职": ("临时", ""),
    "绿化": ("",),
}
MONTH_FACTOR = (0.8, 0.7, 0.9, 1.0, 1.15, 1.0, 0.95, 0.95, 1.05, 1.1, 1.2, 1.1)

# ---------------------------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------------------------


@dataclass
class Person:
    name: str
    id_number: str
    phone: str
    birth: dt.date
    male: bool
    jobs: tuple = ()
    method: str = "银行转账"


def weighted(rng: Random, pairs):
    items, weights = zip(*pairs)
    return rng.choices(items, weights=weights)[0]


def make_name(rng: Random, male: bool) -> str:
    surname = rng.choice(COMPOUND_SURNAMES) if rng.random() < 0.012 else SURNAMES[
        min(int(rng.expovariate(1 / 18)), len(SURNAMES) - 1)]
    chars = GIVEN_MALE if male else GIVEN_FEMALE
    given = rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.72 else "")
    return surname + given


def make_id(county: str, birth: dt.date, seq3: int) -> str:
    first17 = f"{county}{birth:%Y%m%d}{seq3:03d}"
    return first17 + idcard.check_char(first17)


def random_id(rng: Random, birth: dt.date, male: bool, county: str | None = None) -> str:
    county = county or weighted(rng, COUNTIES)
    seq = rng.randrange(0, 100) * 10 + rng.choice((1, 3, 5, 7, 9) if male else (0, 2, 4, 6, 8))
    return make_id(county, birth, seq)


def random_birth(rng: Random, oldest: dt.date, youngest: dt.date) -> dt.date:
    return oldest + dt.timedelta(days=rng.randrange((youngest - oldest).days + 1))


def random_mobile(rng: Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


class PeopleFactory:
    """Make people with unique ID numbers and unique phone numbers."""

    def __init__(self, rng: Random):
        self.rng = rng
        self.ids: set[str] = set()
        self.phones: set[str] = set()

    def phone(self) -> str:
        while True:
            p = random_mobile(self.rng)
            if p not in self.phones:
                self.phones.add(p)
                return p

    def person(self, *, birth: dt.date | None = None, male: bool | None = None, oldest=dt.date(1971, 1, 1),
               youngest=dt.date(YEAR - 18, 1, 1), county: str | None = None) -> Person:
        rng = self.rng
        male = rng.random() < 0.58 if male is None else male
        while True:
            b = birth or random_birth(rng, oldest, youngest)
            pid = random_id(rng, b, male, county)
            if pid not in self.ids:
                self.ids.add(pid)
                break
        jobs = tuple(sorted({weighted(rng, [(j, j.weight) for j in JOBS]).title for _ in range(rng.randint(1, 3))}))
        return Person(name=make_name(rng, male), id_number=pid, phone=self.phone(), birth=b, male=male,
                      jobs=jobs, method=weighted(rng, PAYMENT_METHODS))


# ---------------------------------------------------------------------------------------------
# Tasks (附件5 rows)
# ---------------------------------------------------------------------------------------------

JOB_BY_TITLE = {j.title: j for j in JOBS}
YEAR_DAYS = [dt.date(YEAR, 1, 1) + dt.timedelta(days=i)
             for i in range((dt.date(YEAR + 1, 1, 1) - dt.date(YEAR, 1, 1)).days)]
DAY_CUM = []
_acc = 0.0
for _d in YEAR_DAYS:
    _acc += MONTH_FACTOR[_d.month - 1] * (1.25 if _d.weekday() >= 5 else 1.0)
    DAY_CUM.append(_acc)


def pick_day(rng: Random) -> dt.date:
    return YEAR_DAYS[bisect.bisect_left(DAY_CUM, rng.random() * DAY_CUM[-1])]


def half_hours(rng: Random, low: float, high: float) -> float:
    return rng.randint(int(low * 2), int(high * 2)) / 2


def task_row(rng: Random, person: Person, day: dt.date, job: Job | None = None) -> dict:
    """Return one valid roster row for ``person`` on ``day``: times within the day, ≤ 10 hours."""
    job = job or JOB_BY_TITLE[rng.choice(person.jobs)]
    start = dt.datetime(day.year, day.month, day.day, rng.randint(*job.start), rng.choice((0, 30)))
    span = half_hours(rng, *job.span)
    end = start + dt.timedelta(hours=span)
    pause = 1.0 if span >= 6 else 0.5 if span >= 4.5 else 0.0
    hours = Decimal(str(span - pause))
    rate = Decimal(rng.choice(job.rates))
    method = person.method if rng.random() < 0.9 else weighted(rng, PAYMENT_METHODS)
    return {
        "name": person.name, "id_number": person.id_number, "phone": person.phone,
        "place": f"朝阳区{rng.choice(job.venues)} {job.title}", "start": start, "end": end,
        "hours": hours, "pay": (hours * rate).quantize(CENT), "method": method,
        "remark": rng.choice(ROSTER_REMARKS) if rng.random() < 0.03 else None,
    }


def plan_roster(rng: Random, rows: int) -> list[dict]:
    """Return ``rows`` valid roster rows from a worker pool: one task per person and day at most.

    Workers are 18–54 years old (below retirement age, so no age finding at all). A few return
    often, most a handful of times; nobody works two tasks on one day, so no tasks overlap and no
    day exceeds 10 hours. Rows come sorted by start time, 序号 1..rows.
    """
    factory = PeopleFactory(rng)
    size = max(30, round(rows / 3.5))
    pool = [factory.person() for _ in range(size)]
    weights = [min(rng.paretovariate(1.6), 40.0) for _ in range(size)]
    cum, acc = [], 0.0
    for w in weights:
        acc += w
        cum.append(acc)
    busy: set[tuple[int, dt.date]] = set()
    out = []
    while len(out) < rows:
        who = min(bisect.bisect_left(cum, rng.random() * acc), size - 1)
        for _ in range(30):
            day = pick_day(rng)
            if (who, day) not in busy:
                break
        else:
            continue
        busy.add((who, day))
        out.append((task_row(rng, pool[who], day), who))
    out.sort(key=lambda t: (t[0]["start"], t[1]))
    rows_out = [r for r, _ in out]
    for i, r in enumerate(rows_out, start=1):
        r["seq"] = i
    return rows_out


# ---------------------------------------------------------------------------------------------
# Job posts (附件4 rows)
# ---------------------------------------------------------------------------------------------


def plan_posts(rng: Random, count: int) -> list[dict]:
    """Return ``count`` job posts published across the year, none duplicated."""
    seen = set()
    out = []
    while len(out) < count:
        job = weighted(rng, [(j, j.weight) for j in JOBS])
        venue = rng.choice(job.venues)
        venue = re.sub(r"^(奥林匹克公园|三里屯|青年路|大望路|亚运村|双井|常营)(?=.)", "", venue) if rng.random() < 0.5 else venue
        title = f"{venue}{rng.choice(POST_PREFIX[job.category])}{job.title}"
        day = pick_day(rng)
        key = (title, job.category, day)
        if key in seen:
            continue
        seen.add(key)
        out.append({"title": title, "category": job.category, "published": day,
                     "demand": rng.randint(*job.demand),
                     "remark": rng.choice(POST_REMARKS) if rng.random() < 0.25 else None})
    out.sort(key=lambda p: (p["published"], p["title"]))
    for i, p in enumerate(out, start=1):
        p["seq"] = i
    return out


# ---------------------------------------------------------------------------------------------
# Workbooks
# ---------------------------------------------------------------------------------------------


def reproducible_xlsx(data: bytes) -> bytes:
    """Return the workbook zip with fixed member times and fixed created/modified properties."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    stamp = "%04d-%02d-%02dT%02d:%02d:%02dZ" % FIXED_STAMP
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:(?:created|modified)\b[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), body)
            member = zipfile.ZipInfo(info.filename, date_time=FIXED_STAMP)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            z.writestr(member, body)
    return out.getvalue()


def save_workbook(wb, path: Path) -> None:
    wb.properties.created = dt.datetime(*FIXED_STAMP)
    wb.properties.modified = dt.datetime(*FIXED_STAMP)
    buf = io.BytesIO()
    wb.save(buf)
    atomic_write_bytes(path, reproducible_xlsx(buf.getvalue()))


def to_cell(value):
    """Decimal → int/float for the cell (2-decimal yuan and half hours are exact in binary)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def fill_workbook(path: Path, kind: str, rows: list[dict]) -> None:
    """Write ``rows`` ({key: value}) below the header of the blank workbook init wrote."""
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    keys = [c.key for c in spec(kind).columns]
    template = [ws.cell(HEADER_ROW + 1, j) for j in range(1, len(keys) + 1)]
    for i, row in enumerate(rows):
        r = HEADER_ROW + 1 + i
        for j, key in enumerate(keys, start=1):
            cell = ws.cell(r, j)
            if not cell.has_style:
                cell._style = template[j - 1]._style.__copy__()
            value = row.get(key)
            if value is not None:
                cell.value = to_cell(value)
    save_workbook(wb, path)


def set_header_uscc(path: Path, old: str, new: str) -> None:
    """Replace the 统一社会信用代码 value in the header block of the workbook at ``path``."""
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    hits = [c for row in ws.iter_rows(min_row=1, max_row=HEADER_ROW - 1) for c in row if c.value == old]
    if len(hits) != 1:
        raise SystemExit(f"{path.name}: 表头区找不到统一社会信用代码")
    hits[0].value = new
    save_workbook(wb, path)


def write_bench_roster(path: Path, rows: list[dict]) -> None:
    """Write a plain (unformatted) 附件5 workbook quickly: header block, header row, data."""
    s = spec(ROSTER)
    labels = header_block()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(s.sheet)
    ncols = len(s.columns)
    half = max(2, ncols // 2)
    ws.append([s.attachment])
    ws.append([f"{YEAR}年度{s.title}"])
    block = [None] * ncols
    block[0], block[2] = labels["applicant"] + "：", APPLICANT
    block[half], block[half + 2] = labels["uscc"] + "：", USCC
    ws.append(block)
    ws.append([c.header for c in s.columns])
    keys = [c.key for c in s.columns]
    for row in rows:
        ws.append([to_cell(row.get(k)) for k in keys])
    save_workbook(wb, path)


# ---------------------------------------------------------------------------------------------
# application.yaml: edit the template text line by line so its comments stay
# ---------------------------------------------------------------------------------------------


def yaml_value(value) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return json.dumps(str(value), ensure_ascii=False)


def set_yaml_field(text: str, key: str, value, indent: int = 0) -> str:
    pattern = re.compile(rf"^{' ' * indent}{re.escape(key)}:.*$", re.M)
    if not pattern.search(text):
        raise SystemExit(f"application.yaml 模板中没有“{key}”一行")
    return pattern.sub(lambda m: f"{' ' * indent}{key}: {yaml_value(value)}", text, count=1)


RECOGNITION_TEXT = {
    "选址建设情况": (
        "驿站位于朝阳区望京街道示例路88号一层临街商铺，建筑面积约260平方米，距地铁站步行约5分钟，"
        "周边有大型商圈、物流站点和会展场馆，零工供需集中。驿站于2024年6月完成装修并投入使用，"
        "门口设有统一标识和服务指引。"
    ),
    "场地设施人员制度服务": (
        "驿站设有求职登记区、洽谈区、技能培训室和休息区，配备自助查询终端2台、饮水和充电设施。"
        "现有专职工作人员6名、兼职协管员4名，实行“首问负责、限时办结”制度，制定了零工登记、岗位审核、"
        "报酬支付跟踪和投诉处理等8项规章制度。服务时间为每日7:00至20:00，提供岗位发布、即时撮合、"
        "政策咨询和技能培训等免费服务。"
    ),
    "线上平台搭建情况": (
        "驿站依托自建的“示例零工”小程序开展线上服务，用工单位可在线发布岗位，零工可按区域、工种和时间"
        "筛选报名，平台记录撮合、到岗和报酬支付情况并支持导出台账。2025年平台注册零工约1500人，"
        "日均浏览量约2000人次。"
    ),
    "机构基本情况及成功案例": (
        "北京示例人力资源有限公司成立于2016年，持有人力资源服务许可证，主要从事灵活用工、人力资源外包和"
        "职业指导服务。2025年承接国家会议中心多场展会的搭建和引导用工，单场最多组织零工300余人，"
        "全部通过银行代发按时足额支付报酬；为朝阳区多家商场提供节日促销人员，获得用工单位好评。"
        "（样例文字，机构与案例均为虚构）"
    ),
}


def write_application_yaml(folder: Path, *, market: str) -> None:
    path = folder / "application.yaml"
    text = path.read_text(encoding="utf-8")
    for key, value in (("零工市场名称", market), ("申请日期", APPLICATION_DATE), ("法定代表人", "李示例"),
                       ("联系人", "王示例"), ("联系电话", "010-12345678"),
                       ("地址", "北京市朝阳区望京街道示例路88号（样例地址）")):
        text = set_yaml_field(text, key, value)
    for key, value in RECOGNITION_TEXT.items():
        text = set_yaml_field(text, key, value, indent=2)
    for kind in ("运营经费补贴", "就业服务补贴"):
        if f"  - {kind}\n" not in text:
            raise SystemExit(f"application.yaml 模板的申请事项中没有“{kind}”")
    atomic_write_bytes(path, text.encode("utf-8"))


def init_folder(folder: Path, market: str) -> None:
    evidence = folder / EVIDENCE
    if evidence.is_dir():  # remove evidence of an earlier run (names depend on the row count)
        for p in sorted(evidence.iterdir()):
            if p.is_file() and p.suffix.lower() in (".pdf", ".png", ".jpg", ".jpeg"):
                p.unlink()
    init_application(folder, year=YEAR, applicant=APPLICANT, uscc=USCC, market=market, force=True, today=TODAY)
    write_application_yaml(folder, market=market)


# ---------------------------------------------------------------------------------------------
# Payment evidence: sample bank statements (PDF) and transfer screenshots (PNG)
# ---------------------------------------------------------------------------------------------


def font_file(family: str, fallbacks: tuple) -> tuple[str, int]:
    """Return (path, index) of an installed font: the known paths first, then fc-match."""
    for path, index in fallbacks:
        if Path(path).is_file():
            return path, index
    try:
        out = subprocess.run(["fc-match", "-f", "%{file}\t%{index}", family], capture_output=True, text=True,
                             timeout=20, check=True).stdout
        path, index = out.split("\t")
        return path, int(index)
    except (OSError, subprocess.SubprocessError, ValueError):
        raise SystemExit(f"找不到中文字体 {family}（请安装 fonts-arphic-uming 和 fonts-noto-cjk）") from None


_PDF_FONT = None


def pdf_font() -> str:
    global _PDF_FONT
    if _PDF_FONT is None:
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        path, index = font_file("AR PL UMing CN", (("/usr/share/fonts/truetype/arphic/uming.ttc", 0),))
        pdfmetrics.registerFont(TTFont("UMing", path, subfontIndex=index))
        _PDF_FONT = "UMing"
    return _PDF_FONT


def seq_label(first: int, last: int, width: int = 4) -> str:
    return f"{first:0{width}d}" if first == last else f"{first:0{width}d}-{last:0{width}d}"


def write_statement_pdf(path: Path, *, title: str, bank: str, rows: list[dict], first: int, last: int,
                        when: dt.date) -> None:
    """Write a one-page sample bank batch statement (代发回单) covering 序号 ``first``..``last``."""
    from reportlab.lib.colors import Color, black
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    font = pdf_font()
    total = sum((r["pay"] for r in rows if isinstance(r.get("pay"), Decimal)), Decimal("0"))
    count = last - first + 1
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1, pageCompression=1, initialFontName=font, lang="zh-CN")
    c.setTitle(f"{title}（样例）")
    c.setAuthor("lingong-docs 样例生成器")
    width, height = A4
    c.saveState()
    c.setFillColor(Color(0.85, 0.85, 0.85))
    c.setFont(font, 54)
    c.translate(width / 2, height / 2)
    c.rotate(35)
    c.drawCentredString(0, 0, "样例 · 非真实凭证")
    c.restoreState()
    y = height - 25 * mm
    c.setFont(font, 20)
    c.drawCentredString(width / 2, y, title)
    c.setFont(font, 11)
    c.setFillColor(Color(0.75, 0, 0))
    c.drawCentredString(width / 2, y - 8 * mm, "（样例，非真实凭证 — 由 lingong-docs 样例生成器生成，人员信息均为虚构）")
    c.setFillColor(black)
    y -= 22 * mm
    lines = [
        ("付款单位", APPLICANT),
        ("统一社会信用代码", USCC),
        ("付款账号", "1101 **** **** 0088（样例）"),
        ("开户行", f"{bank}北京朝阳支行（样例）"),
        ("业务类型", "代发劳务报酬"),
        ("回单日期", when.isoformat()),
        ("任务期间", task_period(rows)),
        ("花名册序号", f"{first:04d} 至 {last:04d}"),
        ("笔数", f"{count} 笔"),
        ("合计金额", f"¥{yuan(total)}（{rmb_upper(total)}）"),
    ]
    for label, value in lines:
        c.setFont(font, 11)
        c.drawString(25 * mm, y, f"{label}：")
        c.drawString(62 * mm, y, value)
        y -= 7 * mm
    y -= 4 * mm
    cols = (25 * mm, 42 * mm, 68 * mm, 120 * mm, 145 * mm, 168 * mm)
    heads = ("序号", "收款人", "证件号码", "任务日期", "支付方式", "金额（元）")
    c.setFont(font, 10)
    c.line(25 * mm, y + 4 * mm, 190 * mm, y + 4 * mm)
    for x, h in zip(cols, heads):
        c.drawString(x, y, h)
    c.line(25 * mm, y - 2 * mm, 190 * mm, y - 2 * mm)
    y -= 7 * mm
    shown = [r for r in rows if r.get("seq") is not None][:15]
    for r in shown:
        start = r.get("start")
        day = start.date().isoformat() if isinstance(start, dt.datetime) else ""
        pay = r.get("pay")
        cells = (f"{r['seq']:04d}", mask_name(r.get("name") or "") or "—",
                 mask_id(r["id_number"]) if isinstance(r.get("id_number"), str) else "—",
                 day, str(r.get("method") or ""), yuan(pay) if isinstance(pay, Decimal) else "—")
        for x, text in zip(cols, cells):
            c.drawString(x, y, text)
        y -= 6 * mm
    c.line(25 * mm, y + 2 * mm, 190 * mm, y + 2 * mm)
    if count > len(shown):
        c.drawString(25 * mm, y - 3 * mm, f"……其余 {count - len(shown)} 笔明细略（样例仅列前 {len(shown)} 笔）")
    c.setFont(font, 9)
    c.drawString(25 * mm, 20 * mm, "本回单为演示用样例，所有人员、证件号码和账号均为虚构，不具有任何效力。")
    c.showPage()
    c.save()
    atomic_write_bytes(path, buf.getvalue())


def write_transfer_png(path: Path, *, channel: str, row: dict, when: dt.datetime, serial: str) -> None:
    """Write a phone-screenshot-like transfer record (WeChat or Alipay style), marked 样例."""
    from PIL import Image, ImageDraw, ImageFont

    fpath, index = font_file("Noto Sans CJK SC", (("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),))

    def font(size):
        return ImageFont.truetype(fpath, size, index=index)

    wechat = channel == "微信"
    accent = (7, 193, 96) if wechat else (22, 119, 255)
    img = Image.new("RGB", (800, 1400), (237, 237, 237) if wechat else (245, 245, 245))
    d = ImageDraw.Draw(img)
    d.rectangle((0, 0, 800, 60), fill=(255, 255, 255))
    d.text((30, 14), (when + dt.timedelta(minutes=3)).strftime("%H:%M"), font=font(28), fill=(0, 0, 0))
    d.text((640, 14), "5G  86%", font=font(26), fill=(0, 0, 0))
    d.rectangle((0, 60, 800, 160), fill=(255, 255, 255))
    d.text((400, 110), "转账详情" if wechat else "账单详情", font=font(36), fill=(0, 0, 0), anchor="mm")
    d.rectangle((0, 180, 800, 640), fill=(255, 255, 255))
    d.ellipse((340, 220, 460, 340), fill=accent)
    d.text((400, 280), "¥", font=font(60), fill=(255, 255, 255), anchor="mm")
    payee = mask_name(row["name"])
    d.text((400, 390), f"转账给 {payee}" if wechat else f"转账-{payee}", font=font(32), fill=(60, 60, 60), anchor="mm")
    d.text((400, 480), f"-{yuan(row['pay'])}", font=font(72), fill=(0, 0, 0), anchor="mm")
    d.text((400, 580), "对方已收款" if wechat else "交易成功", font=font(30), fill=accent, anchor="mm")
    d.rectangle((0, 660, 800, 1160), fill=(255, 255, 255))
    items = [
        ("付款方", APPLICANT),
        ("收款方", payee),
        ("转账时间", when.strftime("%Y-%m-%d %H:%M:%S")),
        ("转账说明", f"序号{row['seq']:04d} 劳务报酬"),
        ("支付方式", "零钱" if wechat else "账户余额"),
        ("转账单号", serial),
    ]
    y = 700
    for label, value in items:
        d.text((40, y), label, font=font(28), fill=(140, 140, 140))
        d.text((220, y), value, font=font(28), fill=(30, 30, 30))
        y += 75
    d.text((400, 1230), "样例，非真实凭证", font=font(44), fill=(200, 40, 40), anchor="mm")
    d.text((400, 1300), "由 lingong-docs 样例生成器生成，人员信息均为虚构", font=font(24), fill=(120, 120, 120), anchor="mm")
    out = io.BytesIO()
    small = img.quantize(colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(out, format="PNG", optimize=True)
    atomic_write_bytes(path, out.getvalue())


def task_period(rows: list[dict]) -> str:
    days = sorted(r[k].date() for r in rows for k in ("start", "end") if isinstance(r.get(k), dt.datetime))
    return f"{days[0].isoformat()} 至 {days[-1].isoformat()}" if days else "—"


def payday(rows: list[dict]) -> dt.date:
    """Return a plausible payment date: two days after the last task of the batch."""
    ends = [r["end"] for r in rows if isinstance(r.get("end"), dt.datetime)]
    return (max(ends) + dt.timedelta(days=2)).date() if ends else APPLICATION_DATE


# ---------------------------------------------------------------------------------------------
# samples/demo
# ---------------------------------------------------------------------------------------------


def generate_demo(out: Path, seed: int, rows: int) -> dict:
    rng = Random(f"{seed}-demo")
    folder = out / "demo"
    init_folder(folder, MARKET)
    roster = plan_roster(rng, rows)
    posts = plan_posts(rng, 230)
    demand = sum(p["demand"] for p in posts)
    if demand < 5500:
        raise SystemExit(f"需求人数合计 {demand} 过低，请调整生成参数")
    fill_workbook(folder / POSTS_FILE, JOB_POSTS, posts)
    fill_workbook(folder / ROSTER_FILE, ROSTER, roster)
    evidence = folder / EVIDENCE
    width = max(4, len(str(len(roster))))
    batches = [(i, min(i + BATCH_ROWS - 1, len(roster))) for i in range(1, len(roster) + 1, BATCH_ROWS)]
    for n, (first, last) in enumerate(batches):
        bank = "招商银行" if n == len(batches) - 1 and n > 0 else "建设银行"
        chunk = roster[first - 1:last]
        write_statement_pdf(evidence / f"{seq_label(first, last, width)} {bank}代发回单.pdf", title="代发工资回单",
                            bank=bank, rows=chunk, first=first, last=last, when=payday(chunk))
    for channel, label in (("微信", "微信转账"), ("支付宝", "支付宝转账")):
        row = next((r for r in roster if r["method"] == channel), None)
        if row is None:
            continue
        when = row["end"] + dt.timedelta(minutes=rng.randint(20, 180))
        serial = ("1000" if channel == "微信" else "2025") + f"{rng.randrange(10**24):024d}"
        write_transfer_png(evidence / f"{seq_label(row['seq'], row['seq'], width)} {label}.png", channel=channel,
                           row=row, when=when, serial=serial)
    return {"folder": folder, "roster": len(roster), "posts": len(posts), "demand": demand}


# ---------------------------------------------------------------------------------------------
# samples/broken: one example of each mistake, and the findings validation must give
# ---------------------------------------------------------------------------------------------

COL = {c.key: chr(ord("A") + i) for i, c in enumerate(spec(ROSTER).columns)}
POST_COL = {c.key: chr(ord("A") + i) for i, c in enumerate(spec(JOB_POSTS).columns)}


@dataclass
class Case:
    rows: list                                   # roster row dicts
    expect: list = field(default_factory=list)   # (index into rows, column key or None, code, note)


def at(day: str, hour: int, minute: int = 0) -> dt.datetime:
    d = dt.date.fromisoformat(day)
    return dt.datetime(d.year, d.month, d.day, hour, minute)


def shaped(rng: Random, person: Person, start: dt.datetime, end: dt.datetime, hours, rate=35, **over) -> dict:
    """Return a valid roster row with the given times; ``over`` replaces fields afterwards."""
    row = task_row(rng, person, start.date())
    hours = Decimal(str(hours))
    row.update(start=start, end=end, hours=hours, pay=(hours * Decimal(rate)).quantize(CENT), remark=None)
    row.update(over)
    return row


def broken_cases(rng: Random, people: PeopleFactory) -> list[Case]:
    P = people.person
    cases: list[Case] = []

    def one(code, col, note, *, person=None, start=None, end=None, hours=6, **over):
        person = person or P(oldest=dt.date(1976, 1, 1), youngest=dt.date(2000, 12, 31))
        start = start or at(pick_day(rng).isoformat(), 9)
        end = end or start + dt.timedelta(hours=float(hours) + 1 if hours > 0 else 7)
        cases.append(Case([shaped(rng, person, start, end, hours, **over)], [(0, col, code, note)]))

    # ---- 身份证号 (§6) ----
    good = P(oldest=dt.date(1980, 1, 1), youngest=dt.date(1995, 12, 31))
    wrong = good.id_number[:17] + ("0" if good.id_number[17] != "0" else "1")
    one("id-check-char", "id_number", "身份证号校验位错误（最后一位改错）", person=replace(good, id_number=wrong))
    first17 = "110105" + "19900230" + "215"
    one("id-birth-date", "id_number", "出生日期1990年2月30日不存在（校验位按前17位正确计算）",
        person=replace(P(), id_number=first17 + idcard.check_char(first17)))
    first17 = "100105" + "19880515" + "234"
    one("id-province", "id_number", "前两位10不是省级代码（校验位正确）",
        person=replace(P(), id_number=first17 + idcard.check_char(first17)))
    one("id-15-digit", "id_number", "15位旧身份证号", person=replace(P(), id_number="110105850312123"))
    one("id-stored-as-number", "id_number", "身份证号被存成数字 1.10101199003075E+17（读取阶段发现，本行不再做身份证相关检查）",
        person=replace(P(), id_number=1.10101199003075e17))
    one("id-length", "id_number", "身份证号只有17位", person=replace(P(), id_number="11010519850312123"))
    one("id-characters", "id_number", "身份证号中把数字0写成了字母O",
        person=replace(P(), id_number="1101051990O307123X"))
    first17 = "911840" + "19850612" + "123"
    one("id-foreign-permanent", "id_number", "以9开头的外国人永久居留身份证（提示，不是错误）",
        person=replace(P(), id_number=first17 + idcard.check_char(first17)))
    # ---- 年龄 ----
    one("birth-after-task", "id_number", "出生于2025-08-01，任务在2025-06-15（约定：只报此项，不再报 age-under-16）",
        person=P(birth=dt.date(2025, 8, 1)), start=at("2025-06-15", 9))
    one("age-under-16", "id_number", "任务开始时15岁（约定：只报此项，不再报 age-minor）",
        person=P(birth=dt.date(2010, 5, 1)), start=at("2025-07-12", 9))
    one("age-minor", "id_number", "任务开始时17岁，未成年工（警告）",
        person=P(birth=dt.date(2008, 3, 1)), start=at("2025-06-20", 9))
    one("age-implausible", "id_number", "任务开始时78岁（警告；约定：≥75岁只报此项，不再另报 age-retirement）",
        person=P(birth=dt.date(1947, 5, 1), male=True), start=at("2025-05-10", 9))
    one("age-retirement", "id_number", "男性，任务开始时63岁，超过法定退休年龄（提示，零工合法）",
        person=P(birth=dt.date(1962, 2, 1), male=True), start=at("2025-07-03", 9))
    # ---- 时间与时长 ----
    one("start-not-before-end", "start", "开始时间晚于完成时间（两列填反；约定：不再报 hours-exceed-span）",
        start=at("2025-07-01", 18), end=at("2025-07-01", 10), hours=7)
    cases.append(Case([shaped(rng, P(), at("2024-11-15", 9), at("2024-11-15", 16), 6)],
                      [(0, "start", "time-outside-year", "任务在2024年（每个不在年度内的时间单元格各一条）"),
                       (0, "end", "time-outside-year", "任务在2024年")]))
    cases.append(Case([shaped(rng, P(), at("2026-03-10", 9), at("2026-03-10", 16), 6)],
                      [(0, "start", "time-outside-year", "2026-03-10 不在2025年度（晚于申请日期的日期必然也不在年度内）"),
                       (0, "end", "time-outside-year", "2026-03-10 不在2025年度"),
                       (0, "start", "after-application-date", "晚于申请日期2026-03-05"),
                       (0, "end", "after-application-date", "晚于申请日期2026-03-05")]))
    one("task-spans-year-end", "start", "2024-12-31 20:00 至 2025-01-01 04:00（警告；约定：开始时间不再报 time-outside-year）",
        start=at("2024-12-31", 20), end=at("2025-01-01", 4), hours=7)
    one("hours-not-positive", "hours", "工作时长为0（约定：时长不大于0时不再计算小时报酬）", hours=0, pay=Decimal("210.00"))
    one("hours-exceed-span", "hours", "09:00—13:00 只有4小时，却填了6小时",
        start=at("2025-04-18", 9), end=at("2025-04-18", 13), hours=6)
    # hours-over-24: the same person twice on one day, 13 + 12 hours; such windows must overlap.
    p = P()
    cases.append(Case([shaped(rng, p, at("2025-08-08", 0, 30), at("2025-08-08", 23, 30), 13, place="朝阳区酒仙桥仓库 搬运装卸工"),
                       shaped(rng, p, at("2025-08-08", 6), at("2025-08-08", 22), 12, place="朝阳区十里堡快递分拣站 快递分拣员")],
                      [(0, "hours", "hours-over-24-per-day",
                        "同一人2025-08-08合计25小时（约定：该人当日每一行都报；超过24小时时不再报 hours-over-11-per-day）"),
                       (1, "hours", "hours-over-24-per-day", "同上"),
                       (1, "start", "overlapping-tasks", "两项任务时间必然重叠（约定：报在后一行）")]))
    p = P()
    cases.append(Case([shaped(rng, p, at("2025-05-17", 7), at("2025-05-17", 13), 6, place="朝阳区常营物流站 快递分拣员"),
                       shaped(rng, p, at("2025-05-17", 14), at("2025-05-17", 20), 6, place="朝阳区常营长楹天街 商场促销员")],
                      [(0, "hours", "hours-over-11-per-day", "同一人2025-05-17两项任务不重叠，合计12小时（警告；约定：该人当日每一行都报）"),
                       (1, "hours", "hours-over-11-per-day", "同上")]))
    # ---- 报酬与支付 ----
    one("pay-not-positive", "pay", "实际结算报酬为0（约定：报酬不大于0时不再报 pay-below-minimum）", pay=Decimal("0"))
    one("pay-decimals", "pay", "实际结算报酬240.555有3位小数", hours=8, pay=Decimal("240.555"))
    one("pay-below-minimum", "pay", "8小时160元，每小时20元，低于27.7元（警告）",
        start=at("2025-10-11", 9), end=at("2025-10-11", 18), hours=8, pay=Decimal("160.00"))
    one("payment-method-cash", "method", "支付方式为现金（警告）", method="现金")
    one("payment-method-unknown", "method", "支付方式“云闪付”不在下拉选项内（警告）", method="云闪付")
    # ---- 跨行规则 ----
    p = P(male=False)
    cases.append(Case([shaped(rng, p, at("2025-03-08", 10), at("2025-03-08", 16), 5),
                       shaped(rng, replace(p, name=p.name[:-1] + ("芳" if p.name[-1] != "芳" else "芬")),
                              at("2025-09-20", 10), at("2025-09-20", 16), 5)],
                      [(1, "name", "id-name-conflict", "同一身份证号在两行的姓名不同（约定：报在姓名与通常写法不同的行；两行各一种写法时以第一行为准）")]))
    p = P()
    dup = shaped(rng, p, at("2025-06-06", 8), at("2025-06-06", 14), 5)
    cases.append(Case([dup, dict(dup)],
                      [(1, "id_number", "duplicate-row", "与上一行完全重复（约定：报在后一行；重复行不再报 overlapping-tasks，当日时长只计一次）")]))
    p = P()
    cases.append(Case([shaped(rng, p, at("2025-09-13", 9), at("2025-09-13", 13), 4, place="朝阳区国贸商城 商场促销员"),
                       shaped(rng, p, at("2025-09-13", 12), at("2025-09-13", 16), 3.5, place="朝阳区三里屯太古里 活动礼仪")],
                      [(1, "start", "overlapping-tasks", "同一人09:00—13:00与12:00—16:00重叠（警告；约定：报在后一行）")]))
    shared = people.phone()
    group = [shaped(rng, replace(P(), phone=shared), at(f"2025-04-{d:02d}", 9), at(f"2025-04-{d:02d}", 15), 5)
             for d in (7, 9, 14, 21)]
    cases.append(Case(group, [(3, "phone", "phone-shared",
                               "同一手机号被4个不同身份证号使用（警告；约定：报在第4个及以后身份证号的各行）")]))
    one("phone-format", "phone", "手机号只有10位", person=replace(P(), phone="1391234567"))
    one("required", "name", "姓名为空", person=replace(P(), name=None))
    one("date-unreadable", "start", "任务开始时间写成“2025年13月40日”（读取阶段发现）", start=at("2025-02-14", 9))
    cases[-1].rows[0]["start"] = "2025年13月40日"
    one("evidence-file-missing", "remark", "备注提到的“补发微信转账.png”不在支付凭证文件夹中（警告）",
        remark="凭证：补发微信转账.png")
    return cases


def clean_rows(rng: Random, people: PeopleFactory) -> list[dict]:
    """Rows that look unusual but are valid: each must produce no finding at all."""
    out = []
    while True:  # an ID whose check character is X, entered with a lower-case x
        p = people.person(oldest=dt.date(1980, 1, 1), youngest=dt.date(1999, 12, 31))
        if p.id_number.endswith("X"):
            break
    out.append(task_row(rng, replace(p, id_number=p.id_number[:-1] + "x"), pick_day(rng)))
    p = people.person(oldest=dt.date(1980, 1, 1), youngest=dt.date(1999, 12, 31))
    wide = p.id_number.translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})
    out.append(task_row(rng, replace(p, id_number=wide), pick_day(rng)))
    p = people.person(oldest=dt.date(1980, 1, 1), youngest=dt.date(1999, 12, 31))
    out.append(task_row(rng, replace(p, phone=f"+86 {p.phone[:3]} {p.phone[3:7]} {p.phone[7:]}"), pick_day(rng)))
    p = people.person(oldest=dt.date(1980, 1, 1), youngest=dt.date(1999, 12, 31))
    out.append(task_row(rng, replace(p, phone="010-65001234"), pick_day(rng)))
    for r in out:
        r["remark"] = None
    return out


CLEAN_NOTES = ("身份证号末位小写x（应规范为X）", "身份证号为全角数字（应规范为半角）",
               "手机号写成“+86 139 1234 5678”的形式（应去掉+86和空格）", "固定电话 010-65001234（带区号，有效）")


def generate_broken(out: Path, seed: int) -> dict:
    rng = Random(f"{seed}-broken")
    folder = out / "broken"
    init_folder(folder, "朝阳区示例零工驿站（错误示例）")
    people = PeopleFactory(rng)
    cases = broken_cases(rng, people)
    clean = clean_rows(rng, people)
    fillers = [task_row(rng, people.person(oldest=dt.date(1976, 1, 1), youngest=dt.date(2000, 12, 31)), pick_day(rng))
               for _ in range(14)]
    for r in fillers:
        r["remark"] = None
    # Interleave: filler, case, filler, case ... ; the clean rows spread in; the last row a filler
    # that no evidence file covers.
    blocks: list[tuple[str, object]] = []
    fill_iter = iter(fillers[:-1])
    clean_iter = iter(clean)
    for i, case in enumerate(cases):
        if i % 3 == 0:
            f = next(fill_iter, None)
            if f is not None:
                blocks.append(("row", f))
        if i % 8 == 4:
            c = next(clean_iter, None)
            if c is not None:
                blocks.append(("clean", c))
        blocks.append(("case", case))
    blocks += [("row", f) for f in fill_iter] + [("clean", c) for c in clean_iter] + [("row", fillers[-1])]
    roster: list[dict] = []
    expected: list[dict] = []
    clean_rows_at: list[int] = []
    for kind, item in blocks:
        if kind == "case":
            base = len(roster)
            for r in item.rows:
                roster.append(dict(r))
            for idx, key, code, note in item.expect:
                expected.append({"row": HEADER_ROW + 1 + base + idx, "column": COL[key] if key else None,
                                 "code": code, "file": ROSTER_FILE, "note": note})
        else:
            roster.append(dict(item))
            if kind == "clean":
                clean_rows_at.append(HEADER_ROW + len(roster))
    for i, r in enumerate(roster, start=1):
        r["seq"] = i
    n = len(roster)
    expected.append({"row": HEADER_ROW + n, "column": "A", "code": "evidence-row-uncovered", "file": ROSTER_FILE,
                     "note": f"最后一行（序号{n}）没有任何凭证覆盖（警告）"})
    # ---- 附件4 ----
    posts = plan_posts(rng, 15)
    for p in posts:
        p["remark"] = None
    base_post = posts[4]
    extra = [
        ({"title": "国家会议中心展会搭建工", "category": "会展", "published": dt.date(2025, 6, 2), "demand": 0},
         "demand", "demand-not-positive", "需求人数为0（Cerberus 的 min 规则可能报 below-min，约定报 demand-not-positive）"),
        ({"title": "朝阳大悦城节日促销员", "category": "零售", "published": dt.date(2025, 9, 28), "demand": 2.5},
         "demand", "not-integer", "需求人数2.5不是整数（读取阶段发现）"),
        (dict(base_post, remark=None), "title", "duplicate-post", ""),
        ({"title": "电商仓库分拣员", "category": "物流", "published": dt.date(2025, 11, 5), "demand": 30,
          "remark": "天津武清仓库"}, "remark", "post-outside-beijing", "备注写明“天津武清仓库”（警告）"),
        ({"title": "跨年活动安保协管员", "category": "安保", "published": dt.date(2024, 12, 20), "demand": 40},
         "published", "time-outside-year", "发布时间2024-12-20不在2025年度"),
        ({"title": None, "category": "家政保洁", "published": dt.date(2025, 4, 3), "demand": 6},
         "title", "required", "岗位（任务）名称为空"),
    ]
    for (row, _, _, _), slot in zip(extra, (3, 6, 9, 11, 13, 15)):
        posts.insert(slot, row)
    for i, p in enumerate(posts, start=1):
        p["seq"] = i

    def excel_row(post: dict) -> int:
        return HEADER_ROW + next(i for i, p in enumerate(posts, start=1) if p is post)

    for row, key, code, note in extra:
        if code == "duplicate-post":
            note = f"与第{excel_row(base_post)}行的岗位名称、类型、发布时间相同（警告；报在后一行）"
        expected.append({"row": excel_row(row), "column": POST_COL[key] if key else None, "code": code,
                         "file": POSTS_FILE, "note": note})
    fill_workbook(folder / POSTS_FILE, JOB_POSTS, posts)
    fill_workbook(folder / ROSTER_FILE, ROSTER, roster)
    other = OTHER_USCC_17 + uscc_mod.check_char(OTHER_USCC_17)
    set_header_uscc(folder / POSTS_FILE, USCC, other)
    expected.append({"row": 3, "column": header_uscc_column(JOB_POSTS), "code": "applicant-mismatch",
                     "file": POSTS_FILE, "note": f"附件4表头的统一社会信用代码是另一家机构的有效代码 {other}"})
    # ---- 支付凭证 ----
    evidence = folder / EVIDENCE
    write_statement_pdf(evidence / f"{seq_label(1, n - 1)} 建设银行代发回单.pdf", title="代发工资回单", bank="建设银行",
                        rows=roster[:n - 1], first=1, last=n - 1, when=dt.date(2026, 1, 10))
    unused = "9000-9001 多余回单.pdf"
    ghost = [dict(roster[0], seq=9000), dict(roster[1], seq=9001)]
    write_statement_pdf(evidence / unused, title="批量转账回单", bank="招商银行", rows=ghost, first=9000, last=9001,
                        when=dt.date(2026, 1, 12))
    expected.append({"row": None, "column": None, "code": "evidence-file-unused", "file": unused,
                     "note": "文件名序号9000—9001在花名册中不存在（警告）"})
    order = {ROSTER_FILE: 1, POSTS_FILE: 0}
    expected.sort(key=lambda e: (order.get(e["file"], 2), e["row"] or 0, e["column"] or "", e["code"]))
    write_expected(folder / "expected.yaml", expected, clean_rows_at)
    return {"folder": folder, "roster": n, "posts": len(posts), "expected": len(expected)}


def header_uscc_column(kind: str) -> str:
    ncols = len(spec(kind).columns)
    half = max(2, ncols // 2)  # as lingong_docs.util.workbook.write_blank lays out the header block
    return chr(ord("A") + half + 2)


def write_expected(path: Path, expected: list[dict], clean_rows_at: list[int]) -> None:
    lines = [
        "# samples/broken 的预期校验结果（由 samples/generate.py 生成，请勿手改）。",
        "# Findings validation must produce for samples/broken: (file, row, column, code); column null = row-level.",
        "# 每条：row = Excel 行号，column = 列字母（整行问题为 null），code = 规则目录 schemas/messages/ 中的代码。",
        "#",
        "# 约定（跨行规则报在哪一行），与校验阶段协调：",
        "#   - 跨行问题报在同组中第一行之后的各行（duplicate-row 报在身份证号列 C、overlapping-tasks 报在开始时间列 F）；",
        "#   - id-name-conflict 报在姓名与该身份证号其他行不同的行（姓名列 B）：多数行的姓名视为通常写法，相同行数时以第一行为准；",
        "#   - phone-shared 报在第4个及以后的不同身份证号的各行（联系方式列 D）；",
        "#   - hours-over-24-per-day / hours-over-11-per-day 报在该人当日的每一行（工作时长列 H），超过24小时只报前者；",
        "#   - 一行只报一个年龄问题：birth-after-task > age-under-16 > age-minor；≥75岁报 age-implausible，不另报 age-retirement；",
        "#   - 开始不早于完成时不再比较时长与时段；时长或报酬不大于0时不再计算小时报酬；",
        "#   - 跨年任务只报 task-spans-year-end，开始时间不另报 time-outside-year；",
        "#   - 身份证号、日期等读取失败（BAD）的单元格不再参与后续规则。",
        "#",
        "# 以下各行看似异常但完全有效，校验不得报任何问题（避免误报）：",
    ]
    lines += [f"#   第{r}行：{note}" for r, note in zip(clean_rows_at, CLEAN_NOTES)]
    lines.append("")
    for e in expected:
        parts = [f"row: {json.dumps(e['row'])}", f"column: {json.dumps(e['column'])}", f"code: {e['code']}",
                 f"file: {json.dumps(e['file'], ensure_ascii=False)}",
                 f"note: {json.dumps(e['note'], ensure_ascii=False)}"]
        lines.append("- {" + ", ".join(parts) + "}")
    atomic_write_bytes(path, ("\n".join(lines) + "\n").encode("utf-8"))


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="生成合成样例申请材料（所有人员均为虚构）。")
    ap.add_argument("--seed", type=int, default=2025, help="随机种子（同一种子生成的内容完全相同），默认 2025")
    ap.add_argument("--out", type=Path, default=Path("samples"), help="输出目录，其下生成 demo/ 和 broken/")
    ap.add_argument("--rows", type=int, help=f"花名册行数（demo 默认 {DEFAULT_DEMO_ROWS}，roster 默认 {DEFAULT_BENCH_ROWS}）")
    ap.add_argument("--only", choices=("demo", "broken", "roster"),
                    help="只生成其中一项；roster 只写一个大花名册工作簿（性能测试用）")
    ap.add_argument("--roster-out", type=Path, help="--only roster 时输出的工作簿路径，默认 bench/data/roster-<行数>.xlsx")
    args = ap.parse_args(argv)
    if args.rows is not None and args.rows < 1:
        ap.error("--rows 必须是正整数")
    if args.only == "roster":
        rows = args.rows or DEFAULT_BENCH_ROWS
        target = args.roster_out or Path(__file__).resolve().parent.parent / "bench" / "data" / f"roster-{rows}.xlsx"
        write_bench_roster(target, plan_roster(Random(f"{args.seed}-roster-{rows}"), rows))
        print(f"已写入 {target}（{rows} 行）")
        return 0
    if args.only in (None, "demo"):
        info = generate_demo(args.out, args.seed, args.rows or DEFAULT_DEMO_ROWS)
        print(f"demo：{info['folder']}，花名册 {info['roster']} 行，岗位 {info['posts']} 条，需求人数合计 {info['demand']}")
    if args.only in (None, "broken"):
        info = generate_broken(args.out, args.seed)
        print(f"broken：{info['folder']}，花名册 {info['roster']} 行，岗位 {info['posts']} 条，预期问题 {info['expected']} 条")
    return 0


if __name__ == "__main__":
    sys.exit(main())
