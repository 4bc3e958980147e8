"""The forms of query issue 13 adds: traditional characters, pinyin and initials, partial patent numbers."""

import pytest

from innovation_hub.models import PatentKind
from innovation_hub.search import analysis, numbers, pinyin
from innovation_hub.search.highlight import highlight
from tests import worlds
from tests.factories import gen_achievement, gen_patent, gen_studio

# ---------------------------------------------------------------- analysis, no index


def test_traditional_characters_are_folded_to_simplified():
    assert analysis.normalise("高爐 變電站 ＰＬＣ 鳥害") == "高炉 变电站 plc 鸟害"
    assert analysis.words("變壓器油色譜") == analysis.words("变压器油色谱")
    assert analysis.names("尚慶豐、鮑占軍") == ["尚庆丰", "鲍占军"]
    # Simplified text and Latin tokens are left as they are.
    assert analysis.normalise("高炉风口频繁烧损 DN150 φ600") == "高炉风口频繁烧损 dn150 φ600"


def test_a_traditional_title_gets_the_simplified_query_words_marked():
    assert str(highlight("高爐風口更換", ["高炉", "风口"])) == "<mark>高爐</mark><mark>風口</mark>更換"


def test_pinyin_tokens_of_a_title(app):
    tokens = pinyin.title_tokens("高炉风口频繁烧损的技术攻关")
    # Each word's full pinyin, initials of 3+ letters, initials of 2–3 words in a row.
    assert {"gaolu", "fengkou", "jishu", "gongguan", "glfk", "glfkpf", "jsgg"} <= set(tokens)
    assert "gl" not in tokens and "de" not in tokens  # two-letter initials and stop words are not kept
    assert "gaolufengkou" not in tokens  # runs of full pinyin are cut at query time (split)
    assert pinyin.title_tokens("铝塑泡罩") == ["lvsu", "paozhao", "lspz"]  # ü is v, tone-less
    assert pinyin.title_tokens("基于PLC的10kV") == ["jiyu"]  # Latin and digits left alone
    assert pinyin.title_tokens("電力調度") == pinyin.title_tokens("电力调度")


def test_pinyin_tokens_of_names(app):
    assert pinyin.name_tokens("孙殿武、史磊，司马俊杰") == ["sundianwu", "sdw", "shilei", "simajunjie", "smjj"]


def test_full_pinyin_typed_in_a_row_is_cut_into_indexed_tokens():
    indexed = {"gaolu", "fengkou", "zhiliu", "chongdianzhuang", "xy", "zzy", "xi", "an"}.__contains__
    assert pinyin.split("gaolufengkou", indexed) == ["gaolu", "fengkou"]
    assert pinyin.split("zhiliuchongdianzhuang", indexed) == ["zhiliu", "chongdianzhuang"]
    assert pinyin.split("gaolu", indexed) is None  # one token: looked up whole, not cut
    assert pinyin.split("xyzzy", indexed) is None  # not pinyin: initials are never cut
    assert pinyin.split("gaoluxx", indexed) is None


@pytest.mark.parametrize("term, token", [("GaoLu", "gaolu"), ("ｇｌｆｋ", "glfk"), ("plc", "plc")])
def test_a_latin_term_is_looked_up_as_pinyin(term, token):
    assert pinyin.query_text(term) == token


@pytest.mark.parametrize("term", ["g", "5g", "dn150", "高炉", "s7-1500"])
def test_other_terms_are_not_pinyin(term):
    assert pinyin.query_text(term) is None


def test_number_grams_pin_each_six_digits_to_its_place():
    assert numbers.grams("201722325112.X") == [
        "0:201722", "1:017223", "2:172232", "3:722325", "4:223251", "5:232511", "6:325112"]
    assert numbers.grams("00213456.X") == ["0:002134", "1:021345", "2:213456"]
    digits = numbers.query_digits("ZL2017223251")
    assert digits == "2017223251"
    # The 10 digits fit at offsets 0, 1 and 2 of a 12-digit number; at 0 they are the number's grams 0–4.
    alternatives = numbers.query_alternatives(digits)
    assert len(alternatives) == 3 and set(alternatives[0]) <= set(numbers.grams("201722325112.X"))


@pytest.mark.parametrize("term, digits", [("2017223251", "2017223251"), ("cn201722", "201722"),
                                          ("22325112.x", "22325112"), ("ＺＬ２０１７２２", "201722")])
def test_typed_digits(term, digits):
    assert numbers.query_digits(term) == digits


@pytest.mark.parametrize("term", ["20172", "2017223251123", "dn150", "abc201722", "201722x"])
def test_not_part_of_a_number(term):
    assert numbers.query_digits(term) is None


# ---------------------------------------------------------------- through the API


@worlds.world(index=True)
def corpus(app):
    studio = gen_studio("凌钢炼铁劳模创新工作室", leader="孙殿武", host_unit="凌河钢铁有限公司")
    plc = gen_achievement(studio, "PLC控制柜改造", completers=["孙殿武"], summary="改造控制柜。")
    # 配料 + 车: initials "plc", spelled by a title that holds no PLC.
    feeder = gen_achievement(studio, "配料车程序优化", completers=["郝立军"], summary="优化配料。")
    furnace = gen_achievement(studio, "高爐風口更換小車", completers=["梁玉山"], summary="繁體字的成果。")
    patent = gen_patent(studio, "一种高炉风口更换小车", kind=PatentKind.UTILITY, year=2017, inventors=["冷树森"])
    return dict(plc=plc, feeder=feeder, furnace=furnace, patent=patent)


def api(client, q, **params):
    response = client.get("/api/v1/search", query_string={"q": q, **params})
    assert response.status_code == 200
    return response.get_json()


def hits(body):
    return [(h["type"], h["id"]) for h in body["hits"]]


def test_a_latin_token_keeps_its_results_and_total(client, corpus):
    body = api(client, "plc")
    assert hits(body) == [("achievement", corpus["plc"].id)] and body["total"] == 1
    assert api(client, "xyzzy")["total"] == 0


def test_pinyin_finds_what_the_chinese_parts_do_not(client, corpus):
    assert hits(api(client, "peiliao")) == [("achievement", corpus["feeder"].id)]
    assert hits(api(client, "chengxuyouhua")) == [("achievement", corpus["feeder"].id)]  # cut: chengxu youhua
    assert set(hits(api(client, "gaolufengkou"))) == {("achievement", corpus["furnace"].id),
                                                       ("patent", corpus["patent"].id)}
    assert hits(api(client, "lengshusen")) == [("patent", corpus["patent"].id)]  # an inventor
    assert set(hits(api(client, "glfkgh"))) == {("achievement", corpus["furnace"].id), ("patent", corpus["patent"].id)}


def test_a_studio_is_found_by_the_pinyin_of_its_host_unit_and_industry(client, corpus):
    grid = gen_studio("马洪涛劳模创新工作室", host_unit="凤鸣电力有限公司", industry="电力")
    textile = gen_studio("羊绒创新工作室", host_unit="北票纺织有限公司", industry="纺织")
    found = hits(api(client, "dianli"))
    assert ("studio", grid.id) in found and ("studio", textile.id) not in found
    assert hits(api(client, "fangzhi")) == [("studio", textile.id)]


def test_traditional_and_simplified_find_each_other(client, corpus):
    simplified = hits(api(client, "高炉风口更换"))
    assert ("achievement", corpus["furnace"].id) in simplified and ("patent", corpus["patent"].id) in simplified
    body = api(client, "高爐風口更換")
    assert hits(body) == simplified
    # The page marks the simplified words in the simplified title, and the traditional title's too.
    html = client.get("/search", query_string={"q": "高爐風口更換"}).get_data(as_text=True)
    assert "一种<mark>高炉风口更换</mark>小车" in html and "<mark>高爐風口更換</mark>小車" in html


def test_six_or_more_digits_of_a_number_find_the_patent(client, corpus):
    digits = corpus["patent"].number.split(".")[0]
    for q in (digits[2:10], digits[-6:], "CN" + digits[:8], "ZL" + digits[1:11]):
        assert hits(api(client, q)) == [("patent", corpus["patent"].id)], q
    assert api(client, digits[:5])["total"] == 0  # five digits are not enough
    assert hits(api(client, "ZL" + corpus["patent"].number)) == [("patent", corpus["patent"].id)]
