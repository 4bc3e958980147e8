"""`flask check` knows the honest figures: totals equal to their lines, stored term ends, evidence files."""

from datetime import date
from decimal import Decimal
from io import BytesIO

from sqlalchemy import update

from innovation_hub.catalogue.models import Achievement, Patent
from innovation_hub.database import write_transaction
from innovation_hub.extensions import db
from innovation_hub.figures.services import ValueLineData, add_value_line
from innovation_hub.integrity.checks import run_checks
from innovation_hub.uploads import check_upload
from tests.factories import gen_achievement, gen_patent

PDF = b"%PDF-1.4\n%%EOF\n"


def found(name: str) -> list[str]:
    return dict((c.name, lines) for c, lines in run_checks([name]))[name]


def test_consistent_figures_report_nothing_and_a_hand_edit_is_found(world):
    achievement = gen_achievement(world.a, "带电作业工具改进", value="12.50")
    add_value_line(world.user_a, achievement, ValueLineData(2022, Decimal("3"), "依据"),
                   check_upload("效益证明.pdf", BytesIO(PDF)))
    patent = gen_patent(world.a, "一种装置", filing_date=date(2021, 3, 1), year=2021)
    assert found("catalogue") == [] and found("files") == []  # the evidence file has its row

    with write_transaction() as session:
        session.execute(update(Achievement).where(Achievement.id == achievement.id).values(value_wan=Decimal("20")))
        session.execute(update(Patent).where(Patent.id == patent.id).values(term_end=date(2040, 1, 1)))
    db.session.expire_all()
    assert found("catalogue") == [
        f"专利 #{patent.id}《一种装置》：保护期至存为 2040-01-01，按类型和申请日应为 2031-02-28",
        f"成果 #{achievement.id}《带电作业工具改进》：经济效益 20.00 万元，分年度效益合计 15.50 万元",
    ]
