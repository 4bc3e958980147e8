"""Stand-in for `flask seed-demo` while innovation_hub/demo/seed.py does not exist yet.

Builds a catalogue of the report's shape (149 studios, 1031 achievements, 315 patents)
with tests/factories.py, in the instance folder named by INNOVATION_HUB_INSTANCE.
bench/pages.py runs it only when seed-demo is unavailable, and says so in its output.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from innovation_hub import create_app  # noqa: E402
from innovation_hub.models import Category, District, Level, PatentKind, RecordStatus  # noqa: E402
from tests.factories import gen_achievement, gen_patent, gen_studio  # noqa: E402

INDUSTRIES = ["机械制造", "电力", "煤炭", "化工", "冶金", "建筑", "交通运输", "医疗卫生", "教育", "通信"]
SURNAMES = "王李张刘陈杨赵黄周吴"
GIVEN = ["建国", "红", "海军", "秀英", "志强", "丽", "国庆", "伟", "敏", "军"]


def main() -> None:
    rng = random.Random(20240601)
    app = create_app()
    with app.app_context():
        levels = [Level.PROVINCIAL] * 41 + [Level.CITY] * 108
        studios = []
        for i, level in enumerate(levels):
            studios.append(gen_studio(
                f"示例{INDUSTRIES[i % 10]}创新工作室{i + 1:03d}", level=level, industry=INDUSTRIES[i % 10],
                district=list(District)[i % 7], leader=rng.choice(SURNAMES) + rng.choice(GIVEN),
                host_unit=f"示例单位{i % 60 + 1}",
            ))
        # Skewed like a real catalogue: a few studios hold many achievements.
        weights = [1 / (rank + 3) for rank in range(len(studios))]
        for n in range(1031):
            studio = rng.choices(studios, weights)[0]
            status = RecordStatus.APPROVED if n % 20 else RecordStatus.SUBMITTED
            gen_achievement(
                studio, f"示例成果{n + 1:04d}：一种改进的工艺方法", category=list(Category)[n % 4],
                year=2014 + n % 10, completers=[rng.choice(SURNAMES) + rng.choice(GIVEN) for _ in range(3)],
                value=f"{rng.uniform(1, 20):.2f}", status=status,
            )
        for n in range(315):
            studio = rng.choices(studios, weights)[0]
            gen_patent(studio, kind=list(PatentKind)[n % 3 if n % 5 else 0], year=2015 + n % 9,
                       inventors=[rng.choice(SURNAMES) + rng.choice(GIVEN) for _ in range(2)])
    print("示例数据（bench 替代）：工作室 149 个，成果 1031 项，专利 315 件。")


if __name__ == "__main__":
    main()
