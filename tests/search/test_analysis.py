"""Analysis: normalisation, mixed tokens, bigrams, names; rjieba segments exactly as jieba does."""

import re
import unicodedata

import pytest

from innovation_hub.search import analysis


def test_normalise_full_width_and_case():
    assert analysis.normalise("ＰＬＣ控制柜　１０ｋＶ Φ600") == "plc控制柜 10kv φ600"


def test_nfkc_is_unicodedata_s_for_every_character():
    every = "".join(chr(i) for i in range(0x20, 0x30000) if not 0xD800 <= i < 0xE000)
    samples = [every[i:i + 40] for i in range(0, len(every), 40)]
    samples += ["检修，（改进）：１０ｋＶ", "Ａ\u0301ｂ", "ｶﾞｽ　①㈱", "\u3000全角空格"]
    assert [analysis.nfkc(s) for s in samples] == [unicodedata.normalize("NFKC", s) for s in samples]


@pytest.mark.parametrize("text, token", [
    ("基于PLC的控制", "plc"), ("10kV配电线路", "10kv"), ("Φ600轧辊", "φ600"), ("DN150管道", "dn150"),
    ("5G通信", "5g"), ("S7-1500控制器", "s7-1500"), ("ＣＯ２保护焊", "co2"), ("1.5mm钢板", "1.5mm"),
])
def test_mixed_tokens_are_kept_whole(text, token):
    assert token in analysis.words(text)


def test_words_use_the_domain_dictionary_and_drop_stop_words():
    words = analysis.words("高炉布料器的快速更换")
    assert "布料器" in words and "快速更换" in words and "的" not in words


def test_grams_cover_every_two_character_substring():
    text = "转炉副枪探头快速更换工装"
    grams = analysis.grams(text)
    for i in range(len(text) - 1):
        assert text[i:i + 2] in grams
    assert analysis.grams("泵") == ["泵"]


def test_names_split_on_any_separator():
    assert analysis.names("王建国、李红，张三 李四;赵五") == ["王建国", "李红", "张三", "李四", "赵五"]


def test_rjieba_segments_like_jieba(app):
    """The fast segmenter must give jieba's own token stream on realistic text, with our dictionary."""
    from innovation_hub.demo.seed import build_plan
    from tests.search.relevance_data import ACHIEVEMENTS

    fast = analysis.load_rjieba()
    assert fast is not None, "rjieba is a dependency (pyproject.toml)"
    reference = analysis.load_jieba(app.instance_path + "/cache/jieba")
    plan = build_plan()
    texts = [a.title for a in plan.achievements[:400]] + [a.summary for a in plan.achievements[:150]]
    texts += [str(a) for a in ACHIEVEMENTS]
    runs = [run for text in texts for run in re.findall(r"[\u3400-\u9fff]+", analysis.normalise(text))]
    assert len(runs) > 2000
    for run in runs:
        assert [w for w, _, _ in fast.tokenize(run, mode="search")] == \
            [w for w, _, _ in reference.tokenize(run, mode="search")], run
