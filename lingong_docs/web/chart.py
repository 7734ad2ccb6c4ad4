"""The month chart of the 补贴金额 page: plain geometry for an inline SVG (no script, no outside asset).

The figures come from compute (``Figures.months``); this module only places them: x by month,
y by count, one line for 个次 and one for 需求人数, and a dashed line per threshold.
"""

from __future__ import annotations

from typing import Any

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 36


STEPS = (100, 200, 500, 1000, 2000, 2500, 5000, 10_000, 20_000, 50_000)


def _scale(value: int) -> tuple[int, int]:
    """Return (top, tick step): at most six round ticks above ``value``."""
    step = next((s for s in STEPS if -(-value // s) <= 6), STEPS[-1])
    return max(step, -(-value // step) * step), step


def month_chart(months: dict[str, Any]) -> dict[str, Any]:
    """Return the points, threshold lines and axis ticks of the chart of ``Monthly.to_dict()``."""
    points = months["months"]
    highest = max([m["matches"] for m in points] + [m["demand"] for m in points] + [0])
    lines_needed = [v for v in months["match_lines"] if v <= max(highest, months["min_demand"]) * 1.25]
    top, step = _scale(max([highest, months["min_demand"], *lines_needed[:2]]))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(month: int) -> float:
        return round(LEFT + plot_w * (month - 0.5) / 12, 1)

    def y(value: int) -> float:
        return round(TOP + plot_h * (1 - value / top), 1)

    def path(key: str) -> str:
        return " ".join(f"{x(m['month'])},{y(m[key])}" for m in points)

    thresholds = [{"y": y(v), "label": f"{v:,} 个次", "kind": "matches", "x": WIDTH - RIGHT - 4, "anchor": "end"}
                  for v in lines_needed if v <= top]
    thresholds.append({"y": y(months["min_demand"]), "label": f"需求人数 {months['min_demand']:,}", "kind": "demand",
                       "x": LEFT + 6, "anchor": "start"})     # the left end: never on a 个次 label
    ticks = [{"y": y(v), "label": f"{v:,}"} for v in range(0, top + 1, step)]
    return {"width": WIDTH, "height": HEIGHT, "left": LEFT, "right": WIDTH - RIGHT, "top": TOP,
            "bottom": HEIGHT - BOTTOM, "matches": path("matches"), "demand": path("demand"),
            "dots": [{"x": x(m["month"]), "ym": y(m["matches"]), "yd": y(m["demand"]), "month": m["month"]}
                     for m in points],
            "thresholds": thresholds, "ticks": ticks}
