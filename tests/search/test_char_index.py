"""The summaries' character index (docarrays.CharPostings, index._CharBits): text_matches looks only in
the documents holding every character and frequent pair of the needle, answers a needle that is one
frequent pair from its postings, and finds exactly what str.find over the whole text finds, across
segments, deleted documents, one-character runs and needles of several runs."""

from __future__ import annotations

import random

import pytest

from innovation_hub.models import RecordStatus
from innovation_hub.search import docarrays, documents, index, whoosh_adapter
from innovation_hub.search.index import _CharBits, _find_in_docs, _find_in_text, current_index, segments_of
from tests.factories import gen_achievement, gen_studio

NEEDLES = ["泵", "检修", "泵 检修", "换 泵", "阀门 泵", "焊接质量", "质", "接 质", "叶片", "永磁同步", "磁",
           "风机 叶片 检修", "犇", "泵犇", "检修 犇", "2019", "a", "门"]


def whole_text(monkeypatch, searcher, needle, run_start, run_end) -> set[int]:
    """text_matches as it was: str.find over each segment's whole text."""
    with monkeypatch.context() as patch:
        patch.setattr(_CharBits, "candidates", lambda self, needle: None)
        return current_index().text_matches(searcher, "body_runs", needle, run_start=run_start, run_end=run_end)


def every_pair(monkeypatch) -> None:
    """Postings for every character pair, however small the segment and rare the pair."""
    monkeypatch.setattr(docarrays, "PAIR_MIN_DOCS", 1)
    monkeypatch.setattr(docarrays, "PAIR_SHARE", 0)


@pytest.mark.parametrize("share, pairs", [(0.25, False), (1.0, False), (1.0, True)])
def test_text_matches_finds_what_the_whole_text_finds(app, client, monkeypatch, share, pairs):
    monkeypatch.setattr(index, "CANDIDATE_SHARE", share)  # 1.0: every needle looked for in its candidates
    if pairs:
        every_pair(monkeypatch)
    studio = gen_studio("字符索引工作室")
    summaries = ["更换 泵 阀门", "水泵检修", "泵站 检修 泵", "提高焊接", "质量 焊接质量", "焊接", "",
                 "风机叶片检修", "永磁同步电机 2019", "阀门 泵 检修 a", "泵", "叶片 检修 风机"]
    records = []
    for i, text in enumerate(summaries):
        # The first half merged into one segment (its index made from the merged documents), then one
        # segment a record.
        merge = whoosh_adapter.MERGE_ALL if i < 6 else whoosh_adapter.MERGE_NONE
        monkeypatch.setattr(docarrays.Writer, "commit", lambda self, merge=merge: whoosh_adapter.commit(
            self.whoosh, self._write, merge))
        records.append(gen_achievement(studio, f"字符索引成果{i}", summary=text))
    # Changed and withdrawn after their segments were written: deleted documents in older segments.
    gen_achievement(studio, records[1].title, summary="改为变频调速")
    gen_achievement(studio, records[10].title, summary="泵 阀门")
    gen_achievement(studio, records[4].title, summary="质量 焊接质量")
    gen_achievement(studio, records[7].title, summary="风机叶片检修", status=RecordStatus.RETURNED)
    searcher = current_index().searcher()
    readers = [reader for reader, _, _ in segments_of(searcher.reader())]
    assert len(readers) > 3 and any(reader.has_deletions() for reader in readers)
    some = False
    for needle in NEEDLES:
        for run_start in (False, True):
            for run_end in (False, True):
                expected = whole_text(monkeypatch, searcher, needle, run_start, run_end)
                assert current_index().text_matches(
                    searcher, "body_runs", needle, run_start=run_start, run_end=run_end) == expected, needle
                some = some or bool(expected)
    assert some


@pytest.mark.parametrize("pairs", [False, True])
def test_random_texts_match_the_whole_text_find(tmp_path, monkeypatch, pairs):
    if pairs:
        every_pair(monkeypatch)
    else:
        monkeypatch.setattr(docarrays, "PAIR_MIN_DOCS", 10 ** 9)  # characters only
    rng = random.Random(13)
    alphabet = "泵检修阀门焊接质量 "
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 12))).strip() for _ in range(300)]
    rows = docarrays.Rows()
    for text in texts:
        rows.add({"type": "achievement", "body_runs": text.encode(documents.TEXT_ENCODING)})
    arrays = docarrays.SegmentArrays(docarrays.write(tmp_path, "seg", rows))
    text, starts = arrays.text("body_runs")
    assert text == "".join(texts)
    chars = _CharBits(arrays.char_postings("body_runs"), len(texts))
    assert chars.candidates("泵犇") == [] and chars.candidates(" ") is None
    assert (chars.exact("检修") is not None) == pairs and chars.exact("泵") is None
    for _ in range(400):
        needle = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 4))).strip() or "泵"
        holding = [d for d, t in enumerate(texts) if set(needle) - {" "} <= set(t)]
        containing = [d for d, t in enumerate(texts) if needle in t]
        candidates = chars.candidates(needle)
        if candidates is not None:
            # Every document holding the needle, among those holding its characters; with pairs, fewer.
            assert set(containing) <= set(candidates) <= set(holding)
            if not pairs:
                assert candidates == holding
        exact = chars.exact(needle)
        if exact is not None:
            assert exact == containing
        for run_start in (False, True):
            for run_end in (False, True):
                assert _find_in_docs(text, starts, holding, needle, run_start, run_end) == _find_in_text(
                    text, starts, needle, run_start, run_end), needle


def test_a_frequent_pair_is_answered_from_its_postings(tmp_path, monkeypatch):
    rows = docarrays.Rows()
    texts = ["水泵检修 完成", "阀门检修", "焊接", "检 修"] * 100
    for text in texts:
        rows.add({"type": "achievement", "body_runs": text.encode(documents.TEXT_ENCODING)})
    arrays = docarrays.SegmentArrays(docarrays.write(tmp_path, "seg", rows))
    chars = _CharBits(arrays.char_postings("body_runs"), len(texts))
    # 检修 is in half the documents: a pair with postings. "检 修" holds both characters, not the pair.
    assert chars.exact("检修") == [d for d, t in enumerate(texts) if "检修" in t]
    assert chars.candidates("检修完成") == [d for d, t in enumerate(texts) if t.startswith("水泵")]
    assert chars.exact("焊泵") is None  # no document holds it: no postings, so the candidates say so
    assert chars.candidates("焊泵") == []
