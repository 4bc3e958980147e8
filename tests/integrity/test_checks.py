"""flask check: a consistent site reports 0; each kind of inconsistency planted in the tables is reported."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from datetime import timedelta
from io import BytesIO

from sqlalchemy import delete, select, text, update

from innovation_hub import search
from innovation_hub.accounts.models import User
from innovation_hub.audit.models import AuditEntry
from innovation_hub.awards import lifecycle, objections_votes
from innovation_hub.awards.models import (
    Assignment,
    AwardRound,
    Certificate,
    ConflictSource,
    Criterion,
    ResultSnapshot,
    RoundJudge,
    RoundState,
    Score,
    Vote,
    VoteStage,
)
from innovation_hub.catalogue.models import AchievementCompleter, Patent, Studio
from innovation_hub.database import write_transaction
from innovation_hub.extensions import db
from innovation_hub.integrity import run_checks
from innovation_hub.models import Level, RecordStatus, utcnow
from innovation_hub.submissions import services
from innovation_hub.uploads import check_upload, path_of, uploads_folder
from tests.awards import helpers
from tests.factories import gen_achievement, gen_patent, gen_user
from tests.worlds import world

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def distinct_points(judge, entry, criterion):
    """Every entry a different total, so ranks and the quota boundary are clear."""
    return 8 + entry * 2 + judge * 0.5 + criterion * 0.25


@dataclass
class Site:
    """A small site with something in every table the checks read."""

    admin: User
    studio_user: User
    finished: helpers.Stage  # 已表彰, with certificates
    published: helpers.Stage  # 成果公示
    voting: helpers.Stage  # 专家评审 with a public vote
    draft: object
    approved: object
    patent: Patent
    proof: object


@world
def site(app, search_index) -> Site:  # a consistent site has its index
    finished = helpers.build(entries=4, judges=3, quota=2)
    helpers.to_publicity(finished, distinct_points)
    helpers.end_publicity(finished.round)
    lifecycle.finalise(finished.admin, finished.round)
    published = helpers.build(entries=4, judges=3, quota=2)
    helpers.to_publicity(published, distinct_points)
    voting = helpers.build(entries=2, judges=1, public_vote=True, vote_stage=VoteStage.SCORING)
    helpers.score_all(voting, distinct_points)
    for n in range(3):
        objections_votes.cast_vote(voting.round, voting.nominations[n % 2], f"browser-{n}", f"10.0.0.{n}")
    studio = finished.studios[0]
    studio_user = gen_user("studio-a", "studio", studio=studio)
    draft = gen_achievement(studio, "待提交的成果", status=RecordStatus.DRAFT)
    proof = services.attach_file(studio_user, draft, check_upload("效益证明.pdf", BytesIO(PDF)))
    approved = gen_achievement(studio, "走完审核的成果", status=RecordStatus.DRAFT)
    services.submit_record(studio_user, approved)
    services.approve_record(finished.admin, approved)
    patent = gen_patent(studio, "一种检测装置")
    return Site(finished.admin, studio_user, finished, published, voting, draft, approved, patent, proof)


def found(name: str) -> list[str]:
    [(_, lines)] = [(c, lines) for c, lines in run_checks([name])]
    return lines


def total() -> int:
    return sum(len(lines) for _, lines in run_checks())


def change(*statements) -> None:
    """Plant an inconsistency behind the services' backs."""
    with write_transaction() as session:
        for statement in statements:
            session.execute(statement)
    db.session.expire_all()


def test_a_consistent_site_reports_nothing(site, runner):
    assert {c.name: lines for c, lines in run_checks()} == {
        "files": [], "catalogue": [], "workflow": [], "scores": [], "results": [], "votes": [], "search": []}
    result = runner.invoke(args=["check"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "0 处问题"
    assert "评分（scores）：无问题" in result.output


def test_the_seeded_demo_site_reports_nothing(app, runner, demo_seed):
    result = runner.invoke(args=["check"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "0 处问题"


# ---------------------------------------------------------------- files and rows


def test_a_missing_file_a_changed_file_and_a_file_without_a_row_are_reported(site):
    second = services.attach_file(site.studio_user, site.draft, check_upload("第二份.pdf", BytesIO(PDF)))
    third = services.attach_file(site.studio_user, site.draft, check_upload("第三份.pdf", BytesIO(PDF)))
    path_of(site.proof.stored_name).unlink()
    with open(path_of(second.stored_name), "ab") as f:
        f.write(b"appended")
    path_of(third.stored_name).write_bytes(b"MZ" + b"\0" * (len(PDF) - 2))  # same size, not a PDF any more
    stray = uploads_folder() / "0123456789abcdef0123456789abcdef.pdf"
    stray.write_bytes(PDF)
    young = uploads_folder() / "fedcba9876543210fedcba9876543210.pdf"  # an upload whose row is being written
    young.write_bytes(PDF)
    partial = uploads_folder() / ".00112233445566778899aabbccddeeff.pdf.part"  # a killed upload, never renamed
    partial.write_bytes(PDF[:10])
    old = time.time() - 3600
    os.utime(stray, (old, old))
    os.utime(partial, (old, old))

    lines = found("files")
    assert len(lines) == 4, lines
    label = f"证明材料 #{site.proof.id}（成果 #{site.draft.id}，“效益证明.pdf”）"
    assert f"{label}：文件 {site.proof.stored_name} 不在上传目录中" in lines
    assert any(f"#{second.id}" in line and f"有 {len(PDF) + 8} 字节，记录为 {len(PDF)} 字节" in line for line in lines)
    assert any(f"#{third.id}" in line and "内容不是记录的类型 application/pdf" in line for line in lines)
    assert any(stray.name in line and "没有对应的证明材料记录" in line for line in lines)
    assert not any(young.name in line or partial.name in line for line in lines)


def test_a_proof_file_of_another_studio_than_its_record_is_reported(site):
    other = site.finished.studios[1]
    change(text("UPDATE proof_files SET studio_id = :s WHERE id = :f").bindparams(s=other.id, f=site.proof.id))
    label = f"证明材料 #{site.proof.id}（成果 #{site.draft.id}，“效益证明.pdf”）"
    assert found("files") == [
        f"{label}：记录的工作室 #{other.id} 与所属成果 #{site.draft.id} 的工作室 #{site.draft.studio_id} 不一致"]


# ---------------------------------------------------------------- catalogue


def test_a_wrong_patent_check_character_and_a_kind_against_the_number_are_reported(site):
    number = site.patent.number
    digits, check = number.split(".")
    wrong = f"{digits}.{'0' if check != '0' else '1'}"
    other = gen_patent(site.finished.studios[1], "一种夹具")
    change(update(Patent).where(Patent.id == site.patent.id).values(number=wrong),
           text("UPDATE patents SET kind = 'design' WHERE id = :p").bindparams(p=other.id))
    lines = found("catalogue")
    assert len(lines) == 2, lines
    assert lines[0].startswith(f"专利 #{site.patent.id}《一种检测装置》：专利号“{wrong}”校验位错误")
    assert lines[1] == f"专利 #{other.id}《一种夹具》：类型为“外观设计”，但专利号 {other.number} 的类型位表示“实用新型”"


def test_completers_out_of_order_and_an_approved_record_without_completers_are_reported(site):
    approved = site.approved
    change(update(AchievementCompleter).where(AchievementCompleter.achievement_id == approved.id,
                                              AchievementCompleter.position == 1).values(position=3),
           delete(AchievementCompleter).where(AchievementCompleter.achievement_id == site.finished.achievements[0].id))
    lines = found("catalogue")
    assert lines == [
        f"成果 #{approved.id}《走完审核的成果》：2 位完成人的序号为 0…3，应为 0…1 且不间断",
        f"已通过的成果 #{site.finished.achievements[0].id}《参评成果1》没有完成人",
    ]


def test_a_studio_showing_a_level_its_titles_do_not_give_is_reported(site):
    studio = site.finished.studios[0]
    change(update(Studio).where(Studio.id == studio.id).values(level=Level.NATIONAL))
    assert found("catalogue") == [
        f"工作室 #{studio.id}“{studio.name}”：显示级别 国家级（2018），按有效称号应为 市级（2018）"]


# ---------------------------------------------------------------- the review workflow


def test_a_record_approved_twice_and_a_status_the_log_does_not_give_are_reported(site):
    waiting = gen_achievement(site.finished.studios[0], "等待审核的成果", status=RecordStatus.DRAFT)
    services.submit_record(site.studio_user, waiting)
    with write_transaction() as session:
        session.add(AuditEntry(actor_id=site.admin.id, actor_name="admin", action="record.approve",
                               target_type="achievement", target_id=site.approved.id, target_label="走完审核的成果"))
    change(text("UPDATE achievements SET status = 'returned' WHERE id = :a").bindparams(a=waiting.id))
    assert found("workflow") == [
        f"成果 #{site.approved.id}《走完审核的成果》：一次提交被审核了不止一次（操作日志依次记为 已通过、已通过）",
        f"成果 #{waiting.id}《等待审核的成果》：状态为“已退回”，但操作日志最后一条是“提交审核”",
    ]


# ---------------------------------------------------------------- scores


def _assignment(stage: helpers.Stage, judge_index: int = 0) -> Assignment:
    return helpers.assignments(stage.round, stage.judges[judge_index])[0]


def _without_check_constraints(statement) -> None:
    """Write a score the table's CHECK constraint refuses (a hand edit on a database without it)."""
    with write_transaction() as session:
        connection = session.connection()
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA ignore_check_constraints = ON")
        else:
            connection.exec_driver_sql("ALTER TABLE award_scores DROP CONSTRAINT ck_award_scores_range")
        session.execute(statement)
    if connection.dialect.name == "sqlite":
        db.session.connection().exec_driver_sql("PRAGMA ignore_check_constraints = OFF")
        db.session.rollback()
    db.session.expire_all()


def test_a_score_above_its_saved_maximum_is_reported(site):
    a = _assignment(site.voting)
    score = a.scores[0]
    _without_check_constraints(text("UPDATE award_scores SET points = :p WHERE id = :s")
                               .bindparams(p=(score.max_points + 5) * 100, s=score.id))
    lines = found("scores")
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"评分 #{score.id}（评选“{site.voting.round.name}”，评委 1 号，《")
    assert lines[0].endswith(f"：得分 {score.max_points + 5} 不在 0 到 {score.max_points} 分之间")


def test_a_criterion_whose_maximum_moved_after_scoring_is_reported(site):
    criterion = site.voting.round.criteria[0]
    change(update(Criterion).where(Criterion.id == criterion.id).values(max_points=30))
    lines = found("scores")
    assert lines and all(line.endswith("记录的满分 20 与指标的满分 30 不一致") for line in lines)
    assert len(lines) == len(site.voting.nominations)  # one score per entry on that criterion (one judge)


def test_scores_of_an_account_that_is_not_a_judge_of_the_round_are_reported(site):
    judge = site.voting.judges[0]
    change(delete(RoundJudge).where(RoundJudge.round_id == site.voting.round.id, RoundJudge.user_id == judge.id))
    lines = found("scores")
    assert len(lines) == 2, lines  # both of its assignments
    assert all(f"账号 #{judge.id}" in line and line.endswith("该账号不是这个评选的评委，却有评分") for line in lines)


def test_scores_saved_or_submitted_after_a_declared_conflict_are_reported(site):
    a = _assignment(site.voting)
    change(update(Assignment).where(Assignment.id == a.id).values(
        conflict=True, conflict_source=ConflictSource.JUDGE, conflict_at=utcnow() - timedelta(hours=1),
        conflict_reason="本人参与过"))
    lines = found("scores")
    assert sum(line.endswith("评委回避之后仍保存了评分") for line in lines) == 4  # its four criteria
    label = f"评审任务 #{a.id}（评选“{site.voting.round.name}”，评委 1 号，《{a.nomination.title}》）"
    assert [line for line in lines if "评审任务" in line] == [f"{label}：评委已回避，评分却在回避后提交"]


def test_scores_of_a_judge_from_the_entrys_host_unit_are_reported(site):
    a = _assignment(site.voting)
    change(update(User).where(User.id == a.judge_id).values(unit=a.nomination.studio.host_unit))
    lines = found("scores")
    assert lines == [f"评审任务 #{a.id}（评选“{site.voting.round.name}”，评委 1 号，《{a.nomination.title}》）："
                     "评委须回避该成果（本人工作单位为该工作室的依托单位），却有评分"]


def test_a_submitted_score_missing_a_criterion_or_submitted_twice_is_reported(site):
    a, b = helpers.assignments(site.voting.round)
    change(delete(Score).where(Score.id == a.scores[0].id))
    with write_transaction() as session:
        session.add(AuditEntry(actor_id=b.judge_id, actor_name="judge", action="award.score_submit",
                               target_type="assignment", target_id=b.id, target_label=""))
    lines = found("scores")
    assert len(lines) == 2, lines
    assert lines[0].endswith("已提交，但只有 3 项指标有得分，该评选共 4 项指标")
    assert lines[1].endswith("操作日志记有 2 次提交评分而中间没有重新开放")


# ---------------------------------------------------------------- frozen results


def test_a_score_changed_after_publication_is_reported_against_the_frozen_result(site):
    stage = site.published
    # One judge's scores of the top entry (distinct_points ranks the last entry first).
    last = max(helpers.assignments(stage.round), key=lambda a: a.nomination_id)
    change(update(Score).where(Score.assignment_id == last.id).values(points=0))
    lines = found("results")
    label = f"评选“{stage.round.name}”（成果公示）：《{last.nomination.title}》"
    assert f"{label}冻结为第 1 名（优秀），按现有评分重算为第 3 名" in lines
    assert any(line.startswith(f"{label}评委") and "冻结 / 评分规则重算 / 逐项相加" in line for line in lines)


def _edit_snapshot(award_round: AwardRound, stage: RoundState, edit) -> None:
    frozen = db.session.scalars(select(ResultSnapshot).where(
        ResultSnapshot.round_id == award_round.id, ResultSnapshot.stage == stage)).one()
    data = frozen.data
    edit(data)
    change(update(ResultSnapshot).where(ResultSnapshot.id == frozen.id).values(
        data_json=json.dumps(data, ensure_ascii=False)))


def test_a_frozen_result_breaking_the_quota_rules_is_reported(site):
    stage = site.published
    label = f"评选“{stage.round.name}”（成果公示）"

    def third_also_excellent(data):
        data["entries"][2]["excellent"] = True

    _edit_snapshot(stage.round, RoundState.PUBLICITY, third_also_excellent)
    third = db.session.scalars(select(ResultSnapshot).where(ResultSnapshot.round_id == stage.round.id)).one() \
        .data["entries"][2]
    lines = found("results")
    assert f"{label}：《{third['title']}》名次 3，名额 2，却评为优秀" in lines
    assert f"{label}：优秀 3 项超出名额 2 项，但结果没有并列的提示" in lines
    assert f"{label}：《{third['title']}》冻结为第 3 名（优秀），按现有评分重算为第 3 名" in lines


def test_a_final_result_that_differs_from_the_published_one_or_lacks_a_certificate_is_reported(site):
    stage = site.finished
    label = f"评选“{stage.round.name}”（已表彰）"
    data = db.session.scalars(select(ResultSnapshot).where(
        ResultSnapshot.round_id == stage.round.id, ResultSnapshot.stage == RoundState.FINAL)).one().data
    top = data["entries"][0]
    change(delete(Certificate).where(Certificate.nomination_id == top["id"]))
    lines = found("results")
    assert lines == [f"{label}：优秀成果《{top['title']}》的证书编号为 无，结果中记为 {top['certificate']}"]

    def swap_first_two(data):
        data["entries"][0]["final"], data["entries"][1]["final"] = data["entries"][1]["final"], \
            data["entries"][0]["final"]

    _edit_snapshot(stage.round, RoundState.FINAL, swap_first_two)
    lines = found("results")
    assert any(line.startswith(f"{label}：表彰结果与公示结果不同") for line in lines)
    assert any("高于名次在前的" in line for line in lines)


def test_a_published_round_without_its_frozen_result_is_reported(site):
    change(delete(ResultSnapshot).where(ResultSnapshot.round_id == site.published.round.id))
    assert found("results") == [f"评选“{site.published.round.name}”（成果公示）：没有冻结的结果"]


# ---------------------------------------------------------------- votes


def test_votes_for_another_rounds_entry_or_in_a_round_without_a_vote_and_over_the_limit_are_reported(site):
    elsewhere = site.published.nominations[0]
    day = utcnow().date()
    now = utcnow()
    with write_transaction() as session:
        session.add(Vote(round_id=site.voting.round.id, nomination_id=elsewhere.id, token_hash="a" * 64,
                         address="10.1.1.1", day=day))
        session.add_all([Vote(round_id=site.voting.round.id, nomination_id=site.voting.nominations[0].id,
                              token_hash=f"{n:064d}", address="10.2.2.2", day=day,
                              created_at=now - timedelta(minutes=50 - n))
                         for n in range(objections_votes.VOTES_PER_ADDRESS_PER_HOUR + 1)])
    change(update(AwardRound).where(AwardRound.id == site.published.round.id).values(public_vote=False),
           update(Vote).where(Vote.nomination_id == elsewhere.id).values(round_id=site.published.round.id))
    lines = found("votes")
    limit = objections_votes.VOTES_PER_ADDRESS_PER_HOUR
    assert lines == [
        f"评选“{site.published.round.name}”的 1 张票（参评成果 #{elsewhere.id}）：该评选不设公众投票",
        f"网络地址 10.2.2.2 在一小时内投票 {limit + 1} 次，超过每小时 {limit} 次的上限",
    ]
    change(update(Vote).where(Vote.nomination_id == elsewhere.id).values(round_id=site.voting.round.id))
    assert f"评选“{site.voting.round.name}”的 1 张票（参评成果 #{elsewhere.id}）：投给了另一个评选的成果" \
        in found("votes")


# ---------------------------------------------------------------- the command and the search index


def test_the_command_groups_what_it_found_and_exits_1(site, runner):
    change(delete(ResultSnapshot).where(ResultSnapshot.round_id == site.published.round.id))
    path_of(site.proof.stored_name).unlink()
    result = runner.invoke(args=["check"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert "证明材料文件（files）：1 处问题" in lines
    assert "评选结果（results）：1 处问题" in lines
    assert f"  - 评选“{site.published.round.name}”（成果公示）：没有冻结的结果" in lines
    assert lines[-1] == "共 2 处问题"
    only = runner.invoke(args=["check", "--only", "results"])
    assert only.exit_code == 1 and "files" not in only.output
    assert runner.invoke(args=["check", "--only", "nonsense"]).exit_code == 2


def test_the_search_index_check_is_the_search_packages_own(site, runner, monkeypatch):
    monkeypatch.setattr(search, "verify_index", lambda: ["成果 #7 在数据库中已通过，但检索索引中没有"])
    result = runner.invoke(args=["check"])
    assert result.exit_code == 1
    assert "检索索引与数据库（search）：1 处问题" in result.output
    assert "  - 成果 #7 在数据库中已通过，但检索索引中没有" in result.output


def test_a_check_that_fails_to_run_is_reported_not_raised(site, monkeypatch):
    def broken():
        raise RuntimeError("索引目录不可读")

    monkeypatch.setattr(search, "verify_index", broken)
    assert found("search") == ["检查未能完成：RuntimeError: 索引目录不可读"]
    assert total() == 1
