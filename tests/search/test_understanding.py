"""Query understanding without an index: what a typed query requires (innovation_hub/search/understanding.py)."""

from __future__ import annotations

import pytest

from innovation_hub.search.understanding import Term, finest_words, understand


def texts(query: str) -> list[str]:
    return [term.text for term in understand(query).terms]


@pytest.mark.parametrize("query, expected", [
    ("如何快速修补沥青路面的坑槽", ["快速", "修补", "沥青路面", "坑槽"]),
    ("怎样防止皮带输送机跑偏？", ["防止", "皮带", "输送机", "跑偏"]),
    ("有没有关于高炉的专利", ["高炉", "专利"]),
    ("请问变压器油温高怎么办", ["变压器", "油温"]),
    ("怎么样才能减少漏油呢", ["减少", "漏油"]),
    ("哪些工作室是国家级的", ["工作室", "国家级"]),
    ("尚庆丰有哪些成果", ["尚庆丰", "成果"]),  # a surname jieba cuts off stays with the name
])
def test_questions_are_cut_into_their_words_without_question_words_and_particles(query, expected):
    assert texts(query) == expected


@pytest.mark.parametrize("query", ["有载调压开关", "变压器有载调压", "方法", "问题", "快速更换",
                                   "一种高炉风口更换装置"])
def test_domain_words_are_never_dropped(query):
    kept = "".join(p for term in understand(query).terms for p in term.pieces)
    for word in ("有载", "调压", "方法", "问题", "快速", "更换", "风口", "装置"):
        assert (word in query) <= (word in kept), (query, word)


def test_punctuation_separates():
    assert texts("高炉，布料！矩阵？优化。") == ["高炉", "布料", "矩阵", "优化"]
    assert texts("高炉?布料") == texts("高炉 布料") == ["高炉", "布料"]


def test_a_run_is_one_term_whose_words_may_come_in_any_order():
    assert understand("机器人焊接").terms == (Term("机器人焊接", ("机器", "焊接")),)
    title = understand("长盛安装工程钢筋保护层定位卡具的研制").terms  # a pasted title: one term, no 的
    assert len(title) == 1 and "研制" in title[0].pieces and "的" not in title[0].pieces
    assert understand("焊接机器人").terms == (Term("焊接机器人", ("焊接", "机器人")),)


def test_a_compound_is_required_as_its_finest_words():
    assert understand("节能降耗").terms == (Term("节能降耗", ("节能", "降耗")),)
    assert finest_words("沥青路面") == ("沥青", "路面")
    assert finest_words("变压器") == ("变压器",) and finest_words("机器人") == ("机器人",)


def test_phrases_in_quotes_are_kept_whole():
    assert understand('"在线监测" 装置').terms == (Term("在线监测", ("在线监测",), quoted=True),
                                                 Term("装置", ("装置",)))
    assert understand("“如何快速”").terms[0].text == "如何快速"  # quoted: nothing dropped
    assert texts('"高炉') == ["高炉"]  # an unbalanced quote is plain text


def test_mixed_tokens_and_names_stay_whole():
    assert understand("10KV带电接引线").terms[0].text == "10kv带电接引线"
    assert "10kv" in understand("10KV带电接引线").terms[0].pieces
    assert texts("S7-1500") == ["s7-1500"] and texts("ＰＬＣ") == ["plc"]
    assert texts("司马俊杰") == ["司马俊杰"] and texts("巴图孟和") == ["巴图孟和"]


def test_label_words_carry_their_filter():
    terms = understand("先进操作法 透气砖").terms
    assert terms[0].label == ("category", "operation") and terms[1].label is None
    assert understand("国家级").terms[0].label == ("level", "national")
    assert understand("发明专利").terms[0].label == ("kind", "invention")
    assert understand("北票").terms[0].label == ("district", "beipiao")
    assert understand("朝阳").terms[0].label is None  # the city, not 朝阳县
    assert understand("有没有关于高炉的专利").terms[1].label == ("type", "patent")


def test_only_question_words_or_symbols_leave_no_term():
    assert understand("怎么办？").terms == () and understand("?？！").terms == () and understand("").terms == ()
    assert understand("的").dropped == ("的",)
