"""The demo data's prose: summaries and intros from varied sentence patterns."""

from __future__ import annotations

import random
from decimal import Decimal

from ..catalogue.services import PatentData
from ..models import PatentKind, TitleState
from . import vocabulary as v
from .studios import PlannedAchievement, PlannedStudio
from .vocabulary import Industry

SAMPLE_MARK = "（示例数据）"  # ends every studio intro: the demo data is fictional

class Writer:
    """Summaries and intros from varied sentence patterns, numbers drawn to agree with each other."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def achievement_summary(self, a: PlannedAchievement) -> str:
        rng = self.rng
        ind = a.studio.industry
        site = rng.choice(ind.sites)
        facts = {
            "object": a.subject, "process": a.subject, "indicator": a.subject, "problem": a.subject,
            "device": a.subject, "method": a.subject, "operation": a.subject, "subject": a.subject,
            "site": site, "unit": a.studio.short_unit, "defect": rng.choice(v.DEFECTS),
            "consequence": rng.choice(v.CONSEQUENCES), "work": rng.choice(v.WORKS),
            "year_before": a.year - 1, "low": round(rng.uniform(78, 94), 1), "months": rng.randint(3, 14),
            "person": a.completers[0], "years": rng.randint(12, 30), "count": a.count,
        }
        facts["high"] = round(facts["low"] + rng.uniform(1.5, min(9.0, 99.6 - facts["low"])), 1)
        sentences = []
        if a.shape == "operation" or rng.random() < 0.85:
            sentences.append(self._background(a).format(**facts))
        sentences.append(self._measure(a, facts, with_parts=not sentences))
        sentences.append(self._results(a, facts))
        if a.patents or rng.random() < 0.45:
            sentences.append(self._closing(a, site))
        return "".join(sentences)

    def _background(self, a: PlannedAchievement) -> str:
        table = {"object": v.BACKGROUND_OBJECT, "process": v.BACKGROUND_PROCESS,
                 "indicator": v.BACKGROUND_INDICATOR, "quality": v.BACKGROUND_QUALITY,
                 "problem": v.BACKGROUND_PROBLEM,
                 "device": v.BACKGROUND_DEVICE, "method": v.BACKGROUND_METHOD,
                 "operation": v.BACKGROUND_OPERATION}
        return self.rng.choice(table[a.shape])

    def _measure(self, a: PlannedAchievement, facts: dict, with_parts: bool) -> str:
        rng = self.rng
        if a.shape == "operation":
            steps = rng.sample(v.STEP_WORDS, a.count)
            return rng.choice(v.OPERATION_MEASURES).format(operation=a.subject, steps="、".join(steps),
                                                           count=v.CHINESE_NUMERALS[a.count])
        if a.shape in ("device", "method"):
            pool, sentences = ((v.DEVICE_MEASURES, v.DEVICE_MEASURE_SENTENCES) if a.shape == "device"
                               else (v.METHOD_MEASURES, v.METHOD_MEASURE_SENTENCES))
            m1, m2 = rng.sample(pool, 2)
            sentence = rng.choice(sentences).format(
                m1=m1, m2=m2, months=facts["months"], drafts=rng.randint(3, 9))
        else:
            # At most one industry-specific measure: the lists are per industry, not per machine.
            measures = rng.sample(v.GENERIC_MEASURES, 3)
            if rng.random() < 0.6:
                measures[0] = rng.choice(a.studio.industry.measures)
            rng.shuffle(measures)
            subject = a.subject if a.shape in ("object", "process") else "相关设备和工艺"
            sentence = rng.choice(v.MEASURE_SENTENCES).format(
                m1=measures[0], m2=measures[1], m3=measures[2], subject=subject, months=facts["months"])
        if a.shape == "device" and with_parts:  # a device without its background gets described instead
            parts = rng.sample(v.MECHANICAL_PARTS, 3)
            feature = rng.choice(("结构紧凑、操作简便", "可根据现场需要灵活调节", "一人即可完成操作"))
            sentence += f"该装置主要由{parts[0]}、{parts[1]}和{parts[2]}组成，{feature}。"
        return sentence

    def _numbers(self, a: PlannedAchievement) -> dict:
        """Fresh figures for one result clause, so two clauses never repeat a percentage."""
        rng = self.rng
        hours_from = rng.randint(3, 12)
        return {
            "pct": rng.randint(12, 65), "high": rng.randint(8, 30), "low": round(rng.uniform(0.5, 5), 1),
            "hours_from": hours_from, "hours_to": round(rng.uniform(hours_from * 0.2, hours_from * 0.6), 1),
            "stop_hours": rng.randint(20, 320), "months_from": rng.randint(6, 12), "months_to": rng.randint(2, 4),
            "subject": a.subject, "operation": a.subject, "indicator": a.subject,
        }

    def _results(self, a: PlannedAchievement, facts: dict) -> str:
        rng = self.rng
        if a.shape == "indicator":
            results = [rng.choice(v.RESULT_INDICATOR).format(indicator=a.subject, low=facts["low"],
                                                              high=facts["high"])]
        elif a.shape == "quality":
            results = [rng.choice(v.RESULT_QUALITY).format(indicator=a.subject)]
        elif a.shape == "operation":
            templates = rng.sample(v.RESULT_OPERATION, rng.randint(1, 2))
            results = [t.format(**self._numbers(a)) for t in templates]
        else:
            pool = v.RESULT_OBJECT if a.shape == "object" else v.RESULT_OBJECT[1:]
            if a.shape in ("device", "method"):  # a new tool saves time; it does not make a machine last longer
                pool = [t for t in pool if "寿命" not in t and "备件" not in t]
            results = [t.format(**self._numbers(a)) for t in rng.sample(pool, rng.randint(1, 2))]
            if a.shape == "problem" and rng.random() < 0.5:
                results.insert(0, f"{a.subject}的问题得到有效解决")
        if a.shape in ("indicator", "quality") and rng.random() < 0.4:
            results.append(rng.choice(v.RESULT_OBJECT[1:]).format(**self._numbers(a)))
        if rng.random() < 0.35:
            results.append(rng.choice(v.RESULT_SAFETY))
        if a.value:
            results.append(rng.choice(v.VALUE_PHRASES).format(value=wan_text(a.value)))
        return rng.choice(v.RESULT_LEADS) + "，".join(results) + "。"

    def _closing(self, a: PlannedAchievement, site: str) -> str:
        rng = self.rng
        if a.patents:
            granted = any(p.grant_date for p in a.patents)
            return v.CLOSING_PATENT_GRANTED if granted else v.CLOSING_PATENT_PENDING
        pool = v.CLOSING_OPERATION if a.shape == "operation" else v.CLOSINGS
        return rng.choice(pool).format(unit=a.studio.short_unit, count=rng.randint(2, 8), site=site,
                                       trainees=rng.randint(3, 40) * 10)

    def studio_intro(self, s: PlannedStudio) -> str:
        rng = self.rng
        data = s.data
        valid = sorted((t for t in data.titles if t.state is TitleState.VALID), key=lambda t: t.year)
        named = f"{valid[0].year}年被命名为{valid[0].level.label}劳模和工匠人才创新工作室"
        named += "".join(f"，{t.year}年晋升为{t.level.label}" for t in valid[1:])
        held = [title for title, _ in data.leader_honours]
        ranked = [h for h in (*v.HONOURS_NATIONAL, *v.HONOURS_PROVINCIAL, *v.HONOURS_CITY) if h in held]
        leader_desc = (ranked[0] if ranked else rng.choice(("高级技师", "首席技师", "技术专家"))) + data.leader_name
        facts = {
            "unit": data.host_unit, "named": named, "first_year": valid[0].year, "members": data.members,
            "senior": rng.randint(1, 4), "tech": rng.randint(2, 8), "leader_desc": leader_desc,
            "speciality": s.speciality, "focus": "、".join(rng.sample(s.industry.problems, 2)),
            "motto": rng.choice(v.MOTTOS), "achievements": len(s.achievements),
            "patent_clause": f"、获得国家专利{len(s.patents)}件" if s.patents else "",
            "trained": rng.randint(3, 30), "lectures": rng.randint(4, 20),
        }
        sentences = [rng.choice(v.STUDIO_INTRO_OPENINGS)]
        leader, record = rng.random() < 0.8, rng.random() < 0.6
        if leader or not record:
            sentences.append(rng.choice(v.STUDIO_INTRO_LEADER))
        if record:
            sentences.append(rng.choice(v.STUDIO_INTRO_RECORD))
        return "".join(t.format(**facts) for t in sentences) + SAMPLE_MARK


def wan_text(value: Decimal) -> str:
    """12.50 → "12.5", 48.00 → "48"."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text




def patent_title(rng, industry: Industry, kind: PatentKind, linked: PlannedAchievement | None, used: set[str]) -> str:
    if kind is PatentKind.DESIGN:
        base = rng.choice(industry.designs).partition("|")[0]
        candidates = [base] + [base + variant for variant in v.DESIGN_VARIANTS]
    else:
        if linked is not None and linked.patent_title:
            base = linked.patent_title
        elif kind is PatentKind.INVENTION and rng.random() < 0.3:
            base = "一种" + rng.choice(industry.methods)
        else:
            base = "一种" + rng.choice(industry.devices)
        core = base.removeprefix("一种")
        candidates = [base] + [f"一种{variant}{core}" for variant in v.PATENT_VARIANTS
                               if not core.startswith(variant) and not core.endswith("方法")]
        if core.endswith("方法"):
            candidates.append(f"一种{core.removesuffix('方法')}的改进方法")
    title = next((c for c in candidates if c not in used), candidates[-1])
    used.add(title)
    return title


def patent_abstract(rng: random.Random, industry: Industry, data: PatentData, linked) -> str:
    core = data.title.removeprefix("一种")
    if data.kind is PatentKind.DESIGN:
        use = dict(d.split("|") for d in industry.designs)[data.title.split("（")[0]]
        return (f"本外观设计产品的名称为{data.title}，用于{use}。"
                f"本外观设计的设计要点在于{rng.choice(v.DESIGN_POINTS)}。"
                f"最能表明设计要点的图片为{rng.choice(v.DESIGN_VIEWS)}。")
    who = "本发明" if data.kind is PatentKind.INVENTION else "本实用新型"
    if core.endswith("方法"):
        steps_pool = v.METHOD_STEPS_MONITORING if any(w in core for w in v.MONITORING_WORDS) \
            else v.METHOD_STEPS_PROCESS
        steps = [steps_pool[i] for i in sorted(rng.sample(range(len(steps_pool)), 3))]
        effects = "，".join(rng.sample(v.METHOD_EFFECTS, 2))
        return f"{who}公开了一种{core}，包括以下步骤：{'；'.join(steps)}。该方法{effects}。"
    opening = rng.choice((f"{who}涉及{industry.field}技术领域，公开了一种{core}", f"{who}公开了一种{core}"))
    sensing = any(w in core for w in ("监测", "检测", "测温", "监控", "控制", "诊断", "仪", "报警", "系统"))
    if sensing:
        housing = rng.choice(v.HOUSINGS)
        first, second, third = rng.sample(v.SENSING_PARTS, 3)
        body = (f"{opening}，包括{housing}以及设置在{housing}内的{first}、{second}和{third}，"
                f"{first}与{second}电连接。")
    else:
        base = rng.choice(v.MECHANICAL_BASES)
        first, second = rng.sample(v.MECHANICAL_PARTS, 2)
        body = (f"{opening}，包括{base}、{first}和{second}，{first}设置在{base}上，"
                f"{second}与{first}{rng.choice(v.CONNECTIONS)}。")
    if rng.random() < 0.2:
        return body
    effects = v.PATENT_EFFECTS + v.SENSING_EFFECTS if sensing else v.PATENT_EFFECTS
    effect = (f"解决了{linked.subject}的问题" if linked is not None and linked.shape == "problem"
              else rng.choice(effects))
    thing = "装置" if core.endswith(("装置", "工装", "工具")) else "产品"
    return body + f"该{thing}{rng.choice(v.PATENT_QUALITIES)}，{effect}。"
