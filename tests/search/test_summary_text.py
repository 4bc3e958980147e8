"""Summaries are searched as text held in memory (index.text_matches), not through postings: a phrase
is found where it stands in one record's summary, never across two records, and follows every change."""

from array import array
from itertools import accumulate

from innovation_hub.catalogue.services import AchievementData, upsert_achievement
from innovation_hub.models import RecordStatus
from innovation_hub.search.index import _find_in_text
from tests.factories import gen_achievement, gen_studio


def total(client, q):
    response = client.get("/api/v1/search", query_string={"q": q})
    assert response.status_code == 200
    return response.get_json()["total"]


def text_of(*values: str):
    """What a segment's TEXT array reads back as (docarrays.SegmentArrays.text)."""
    return "".join(values), array("Q", accumulate(map(len, values), initial=0))


def test_a_needle_is_found_once_per_document_and_never_across_two():
    text, starts = text_of("提高焊接", "质量 焊接质量 焊接质量", "", "焊接")
    assert _find_in_text(text, starts, "焊接质量", False, False) == [1]
    assert _find_in_text(text, starts, "焊接", False, False) == [0, 1, 3]
    assert _find_in_text(text, starts, "接质", False, False) == [1]
    assert _find_in_text(text, starts, "", False, False) == []


def test_a_one_character_run_must_stand_alone_at_that_end():
    text, starts = text_of("更换 泵 阀门", "水泵 检修", "泵站")
    assert _find_in_text(text, starts, "泵", True, True) == [0]
    assert _find_in_text(text, starts, "泵", False, False) == [0, 1, 2]
    assert _find_in_text(text, starts, "泵 检修", True, False) == []
    assert _find_in_text(text, starts, "泵 检修", False, False) == [1]
    assert _find_in_text(text, starts, "换 泵", False, True) == [0]


def test_a_summary_phrase_follows_edits_and_withdrawal(app, client):
    studio = gen_studio("文本检索工作室")
    first = gen_achievement(studio, "电机节能改造", summary="采用变频调速技术，降低风机能耗。")
    gen_achievement(studio, "风机叶片检修", summary="总结风机叶片检修的步骤。")
    assert total(client, "变频调速") == 1
    assert total(client, "降低风机能耗") == 1
    # the end of one summary and the start of the next: only its two words, each in its own record
    assert client.get("/api/v1/search", query_string={"q": "能耗总结"}).get_json()["partial"] is True

    def edit(summary, status=RecordStatus.APPROVED):
        upsert_achievement(AchievementData(studio.name, first.title, first.category, first.year, ["王建国"],
                                           summary=summary), status=status)

    edit("改用永磁同步电机。")
    assert total(client, "变频调速") == 0
    assert total(client, "永磁同步") == 1
    edit("改用永磁同步电机。", RecordStatus.RETURNED)
    assert total(client, "永磁同步") == 0
    assert total(client, "叶片检修") == 1
