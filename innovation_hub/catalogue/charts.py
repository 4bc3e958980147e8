"""ECharts options for the home page, built from the catalogue figures.

Each data point carries the URL of the list it counts, so a click opens that list.
"""

from __future__ import annotations

from flask import url_for

from ..models import Category
from .queries import CatalogueStats


def home_charts(stats: CatalogueStats) -> dict:
    years = sorted(stats.by_year_category)
    per_year = {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 40, "right": 16, "top": 40, "bottom": 30},
        "xAxis": {"type": "category", "data": [str(y) for y in years]},
        "yAxis": {"type": "value", "name": "项"},
        "series": [
            {
                "name": category.label,
                "type": "bar",
                "stack": "total",
                "data": [
                    {
                        "value": stats.by_year_category[year].get(category, 0),
                        "url": url_for("catalogue.achievement_list", year=year, category=category.value),
                    }
                    for year in years
                ],
            }
            for category in Category
        ],
    }
    industries = list(stats.by_industry.items())
    by_industry = {
        "tooltip": {"trigger": "item"},
        "grid": {"left": 90, "right": 24, "top": 10, "bottom": 24},
        "xAxis": {"type": "value", "name": "个"},
        "yAxis": {"type": "category", "inverse": True, "data": [name for name, _ in industries]},
        "series": [{
            "type": "bar",
            "name": "工作室",
            "data": [
                {"value": n, "url": url_for("catalogue.studio_list", industry=name)} for name, n in industries
            ],
        }],
    }
    by_district = {
        "tooltip": {"trigger": "item", "formatter": "{b}：{c} 个（{d}%）"},
        "series": [{
            "type": "pie",
            "name": "工作室",
            "radius": ["35%", "65%"],
            "data": [
                {"name": d.label, "value": n, "url": url_for("catalogue.studio_list", district=d.value)}
                for d, n in stats.by_district.items()
            ],
        }],
    }
    return {"per_year": per_year, "by_industry": by_industry, "by_district": by_district}
