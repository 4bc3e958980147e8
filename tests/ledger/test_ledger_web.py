"""/admin/ledger: upload, dry-run report, confirm, background import, deletion, one job at a time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import func, select

from innovation_hub.audit.models import AuditEntry
from innovation_hub.catalogue.models import Achievement, Patent, Studio
from innovation_hub.extensions import db
from innovation_hub.ledger import services
from innovation_hub.ledger.models import ImportState, LedgerImport
from innovation_hub.models import RecordStatus, utcnow
from tests.factories import gen_achievement, gen_patent, gen_studio, gen_user, login

from .helpers import achievement_row, patent_row, studio_row, valid_sheets, write_workbook

# What an import commits is findable at once: these tests check it, so their writes are indexed as they commit.
pytestmark = pytest.mark.usefixtures("search_index")


@pytest.fixture
def admin(app, client):
    user = gen_user("office")
    assert login(client, "office").status_code == 302
    return user


def workbook_bytes(tmp_path, sheets) -> bytes:
    return write_workbook(tmp_path / "upload.xlsx", sheets).read_bytes()


def upload(client, data: bytes, name="台账.xlsx"):
    return client.post("/admin/ledger", data={"file": (BytesIO(data), name)}, content_type="multipart/form-data")


def finished(client, response) -> tuple[int, dict]:
    """The job a redirect points to, after its background thread ended: (id, its status JSON)."""
    assert response.status_code == 302, response.get_data(as_text=True)
    job_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    services.wait_for(job_id)
    db.session.rollback()  # the fixture's session must see what the job's thread committed
    return job_id, client.get(f"/admin/ledger/{job_id}/status").get_json()


def confirm(client, job_id: int, delete_missing=False) -> dict:
    data = {"delete_missing": "y"} if delete_missing else {}
    response = client.post(f"/admin/ledger/{job_id}/confirm", data=data)
    return finished(client, response)[1]


def total(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar()


def test_a_bad_file_shows_every_error_with_sheet_row_and_column_and_stores_nothing(app, client, admin, tmp_path):
    sheets = valid_sheets()
    sheets["成果"].append(achievement_row("新型焊接工艺", category="技术创新"))  # row 4
    sheets["专利"].append(patent_row("ZL202110123456.0"))  # row 4: wrong check character
    job_id, status = finished(client, upload(client, workbook_bytes(tmp_path, sheets)))

    assert status["state"] == "invalid" and status["error_count"] == 2
    page = client.get(f"/admin/ledger/{job_id}").get_data(as_text=True)
    assert "校验未通过：共 2 处错误，未导入任何数据" in page
    assert "<td class=\"text-nowrap\">成果</td><td class=\"text-end\">4</td><td class=\"text-nowrap\">类别</td>" in page
    assert "“技术创新”不是有效的类别" in page and "校验位错误" in page
    assert "确认导入" not in page
    assert (total(Studio), total(Achievement), total(Patent)) == (0, 0, 0)
    assert not list(services.ledger_folder().iterdir())  # the file with errors is not kept
    assert client.post(f"/admin/ledger/{job_id}/confirm").status_code == 409
    actions = db.session.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars().all()
    assert actions[-2:] == ["ledger.upload", "ledger.fail"]


def test_thousands_of_errors_are_capped_on_the_page_with_their_count(app, client, admin, tmp_path):
    sheets = valid_sheets()
    sheets["成果"] += [achievement_row(f"成果{i}", category="技术创新") for i in range(205)]
    job_id, status = finished(client, upload(client, workbook_bytes(tmp_path, sheets)))
    assert status["error_count"] == 205
    page = client.get(f"/admin/ledger/{job_id}").get_data(as_text=True)
    assert page.count("不是有效的类别") == 200
    assert "只列出前 200 处，另有 5 处错误未列出" in page


def test_a_file_that_is_not_a_workbook_is_refused(app, client, admin):
    response = upload(client, b"%PDF-1.4 not a ledger", "台账.xlsx")
    assert response.status_code == 400
    assert "不是 Excel 工作簿" in response.get_data(as_text=True)
    assert total(LedgerImport) == 0
    assert upload(client, b"").status_code == 400


def test_a_good_file_is_counted_then_imported_and_searchable(app, client, admin, tmp_path):
    job_id, status = finished(client, upload(client, workbook_bytes(tmp_path, valid_sheets()), "十二月台账.xlsx"))

    assert status["state"] == "validated"
    page = client.get(f"/admin/ledger/{job_id}").get_data(as_text=True)
    assert "校验通过，尚未写入任何数据" in page and "十二月台账.xlsx" in page
    assert '<th scope="row">工作室</th><td class="text-end">2</td><td class="text-end">0</td>' in page
    assert "同时删除" not in page  # nothing is absent from the file
    assert total(Studio) == 0
    job = db.session.get(LedgerImport, job_id)
    assert services.path_of(job).is_file() and job.stored_name != "十二月台账.xlsx"

    status = confirm(client, job_id)
    assert status["state"] == "done" and status["percent"] == 100
    assert status["counts"]["sheets"]["专利"] == {"created": 2, "updated": 0, "unchanged": 0}
    assert (total(Studio), total(Achievement), total(Patent)) == (2, 2, 2)
    assert "导入完成，全部数据已写入" in client.get(f"/admin/ledger/{job_id}").get_data(as_text=True)
    assert client.get("/api/v1/search?q=轴承拆装").get_json()["total"] >= 1
    assert client.post(f"/admin/ledger/{job_id}/confirm").status_code == 409  # a job imports once
    assert {"ledger.confirm", "ledger.import"} <= set(db.session.execute(select(AuditEntry.action)).scalars())


def test_confirm_revalidates_against_the_catalogue_of_now(app, client, admin, tmp_path):
    sheets = valid_sheets()
    gen_studio("老工作室")
    sheets["成果"].append(achievement_row("老成果", studio="老工作室"))  # the studio is only in the database
    job_id, status = finished(client, upload(client, workbook_bytes(tmp_path, sheets)))
    assert status["state"] == "validated"
    db.session.execute(db.delete(Studio).where(Studio.name == "老工作室"))
    db.session.commit()

    status = confirm(client, job_id)
    assert status["state"] == "failed"
    page = client.get(f"/admin/ledger/{job_id}").get_data(as_text=True)
    assert "导入前重新校验未通过" in page and "既不在“工作室”表中，也不在数据库中" in page
    assert total(Achievement) == 0


@pytest.fixture
def extra_records(app):
    """Records the ledger does not list: deletable ones, a studio with an account, a studio's own draft."""
    gone = gen_studio("撤并工作室")
    gen_achievement(gone, "旧的节能改造")
    gen_patent(gone, "一种旧式夹具")
    with_account = gen_studio("有账号工作室")
    gen_user("studio-x", "studio", studio=with_account)
    draft_owner = gen_studio("有草稿工作室")
    gen_achievement(draft_owner, "草稿成果", status=RecordStatus.DRAFT)
    return gone


def test_records_absent_from_the_file_are_deleted_only_with_the_tick(app, client, admin, tmp_path, extra_records):
    assert client.get("/api/v1/search?q=节能改造").get_json()["total"] == 1
    data = workbook_bytes(tmp_path, valid_sheets())
    job_id, _ = finished(client, upload(client, data))
    page = client.get(f"/admin/ledger/{job_id}").get_data(as_text=True)
    one = "<strong>1</strong>"
    assert f"文件中没有的记录：工作室 {one} 个，成果 {one} 项，专利 {one} 件" in page
    assert "有工作室账号的工作室 1 个：有账号工作室" in page
    assert "工作室自己的草稿、待审核记录）的工作室 1 个：有草稿工作室" in page

    status = confirm(client, job_id)  # no tick: nothing deleted
    assert status["state"] == "done" and not status["counts"]["deleted"]
    assert total(Studio) == 5 and client.get("/api/v1/search?q=节能改造").get_json()["total"] == 1

    job_id, _ = finished(client, upload(client, data))
    status = confirm(client, job_id, delete_missing=True)
    assert status["state"] == "done" and status["counts"]["deleted"]
    names = set(db.session.execute(select(Studio.name)).scalars())
    assert names == {"星火创新工作室", "红旗工匠工作室", "有账号工作室", "有草稿工作室"}
    assert db.session.execute(select(Achievement.title).where(Achievement.status != RecordStatus.APPROVED)
                              ).scalars().all() == ["草稿成果"]
    assert total(Patent) == 2
    assert client.get("/api/v1/search?q=节能改造").get_json()["total"] == 0
    # other studios hold 工作室: found in part, but not the one deleted
    assert "撤并工作室" not in {h["title"] for h in client.get("/api/v1/search?q=撤并工作室").get_json()["hits"]}
    assert "已删除文件中没有的记录：工作室 1 个，成果 1 项，专利 1 件" in client.get(
        f"/admin/ledger/{job_id}").get_data(as_text=True)


def test_deletion_shown_is_deletion_done(app, client, admin, tmp_path, extra_records):
    """Records added after the dry run are not deleted behind the administrator's back: the import refuses."""
    job_id, _ = finished(client, upload(client, workbook_bytes(tmp_path, valid_sheets())))
    gen_achievement(extra_records, "校验之后新增的成果")
    db.session.commit()
    status = confirm(client, job_id, delete_missing=True)
    assert status["state"] == "failed"
    assert "校验之后目录有变化" in client.get(f"/admin/ledger/{job_id}").get_data(as_text=True)
    assert total(Studio) == 3


def test_only_one_ledger_job_at_a_time_and_a_dead_one_is_failed(app, client, admin, tmp_path):
    running = LedgerImport(uploaded_by_id=admin.id, original_name="另一份.xlsx", stored_name="x" * 32 + ".xlsx",
                           sha256="0" * 64, size=1, status=ImportState.IMPORTING, started_at=utcnow(),
                           heartbeat_at=utcnow(), counts={}, errors=[])
    db.session.add(running)
    db.session.commit()
    data = workbook_bytes(tmp_path, valid_sheets())
    response = upload(client, data)
    assert response.status_code == 409
    assert "另一份台账（另一份.xlsx，导入中）正在处理" in response.get_data(as_text=True)
    assert total(LedgerImport) == 1 and not list(services.ledger_folder().glob("*.xlsx"))
    result = app.test_cli_runner().invoke(args=["import", str(tmp_path / "upload.xlsx")])
    assert result.exit_code == 1 and "正在处理，请等它完成后再试" in result.output

    # Its worker died: no heartbeat for longer than LEDGER_HEARTBEAT_TIMEOUT.
    running.heartbeat_at = running.started_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    assert client.get(f"/admin/ledger/{running.id}/status").get_json()["state"] == "failed"
    assert "进程已中断" in client.get(f"/admin/ledger/{running.id}").get_data(as_text=True)
    job_id, status = finished(client, upload(client, data))
    assert status["state"] == "validated"
    db.session.refresh(running)
    assert running.status is ImportState.FAILED


def test_non_admins_are_refused(app, client, tmp_path):
    gen_user("judge9", "judge")
    login(client, "judge9")
    assert client.get("/admin/ledger").status_code == 403
    assert upload(client, workbook_bytes(tmp_path, valid_sheets())).status_code == 403
    assert total(LedgerImport) == 0


def test_downloads_give_the_template_and_the_catalogue(app, client, admin):
    from openpyxl import load_workbook

    gen_studio("下载工作室")
    blank = load_workbook(BytesIO(client.get("/admin/ledger/template.xlsx").data))
    assert blank.sheetnames == ["工作室", "成果", "专利"] and blank["工作室"].max_row == 1
    current = load_workbook(BytesIO(client.get("/admin/ledger/export.xlsx").data))
    assert current["工作室"]["A2"].value == "下载工作室"


def test_command_line_delete_missing_goes_through_the_same_service(app, runner, tmp_path, extra_records):
    path = write_workbook(tmp_path / "l.xlsx", valid_sheets())
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 0, result.output
    assert "文件中没有、可删除的记录：工作室 1 个，成果 1 项，专利 1 件（未删除" in result.output
    assert "有工作室账号的工作室 1 个（有账号工作室）" in result.output

    result = runner.invoke(args=["import", str(path), "--dry-run", "--delete-missing"])
    assert "文件中没有的记录将被删除：工作室 1 个，成果 1 项，专利 1 件" in result.output
    assert total(Studio) == 5
    result = runner.invoke(args=["import", str(path), "--delete-missing"])
    assert result.exit_code == 0, result.output
    assert "文件中没有的记录已删除：工作室 1 个，成果 1 项，专利 1 件" in result.output
    assert total(Studio) == 4 and total(Patent) == 2


def test_studio_row_kept_in_file_keeps_its_records(app, client, admin, tmp_path, extra_records):
    """A studio listed in the file stays even when all its achievements are deleted."""
    sheets = valid_sheets()
    sheets["工作室"].append(studio_row("撤并工作室", leader="王建国", honours="", host_unit="示例机械厂"))
    job_id, _ = finished(client, upload(client, workbook_bytes(tmp_path, sheets)))
    status = confirm(client, job_id, delete_missing=True)
    assert status["state"] == "done"
    assert "撤并工作室" in set(db.session.execute(select(Studio.name)).scalars())
    assert status["counts"]["missing"]["studios"] == 0 and status["counts"]["missing"]["achievements"] == 1


def test_a_nominated_achievement_and_its_studio_are_kept(app, runner, tmp_path):
    from innovation_hub.awards.models import Nomination
    from tests.factories import gen_round

    studio = gen_studio("参评工作室")
    nominated = gen_achievement(studio, "参评的成果")
    gen_achievement(studio, "可删的成果")
    award_round = gen_round(gen_user("office2"))
    db.session.add(Nomination(round_id=award_round.id, achievement_id=nominated.id, studio_id=studio.id))
    db.session.commit()

    path = write_workbook(tmp_path / "l.xlsx", valid_sheets())
    result = runner.invoke(args=["import", str(path), "--delete-missing"])
    assert result.exit_code == 0, result.output
    assert "已推荐参加评选的成果 1 个（参评工作室：参评的成果）" in result.output
    assert "有评选推荐记录的工作室 1 个（参评工作室）" in result.output
    titles = set(db.session.execute(select(Achievement.title)).scalars())
    assert "参评的成果" in titles and "可删的成果" not in titles


KILLED_WORKER = """
import sys, time
from contextlib import contextmanager
from innovation_hub import create_app
from innovation_hub.extensions import db
from innovation_hub.ledger import services
from innovation_hub.ledger.models import LedgerImport

real = services._Tracker.__call__

@contextmanager
def slow(self, items, length, label):
    with real(self, items, length, label) as each:
        def slowly():
            for item in each:
                time.sleep(0.3)
                yield item
        yield slowly()

services._Tracker.__call__ = slow
app = create_app()
with app.app_context():
    job = db.session.get(LedgerImport, int(sys.argv[1]))
    services.confirm_import(job.uploaded_by, job, False)
    time.sleep(600)
"""


def test_an_import_whose_worker_is_killed_is_failed_and_wrote_nothing(app, client, admin, tmp_path):
    job_id, status = finished(client, upload(client, workbook_bytes(tmp_path, valid_sheets())))
    assert status["state"] == "validated"
    job = db.session.get(LedgerImport, job_id)
    progress = services.ledger_folder() / f"{job.stored_name}.progress.json"
    root = Path(__file__).resolve().parents[2]
    worker = subprocess.Popen([sys.executable, "-c", KILLED_WORKER, str(job_id)], cwd=root,
                              env={**os.environ, "PYTHONPATH": str(root)})
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # wait until it is writing, inside its transaction
            try:
                if json.loads(progress.read_text())["label"].startswith("写入"):
                    break
            except (OSError, ValueError):
                pass
            time.sleep(0.2)
        else:
            pytest.fail("the worker did not start writing")
    finally:
        worker.kill()
        worker.wait()
    app.config["LEDGER_HEARTBEAT_TIMEOUT"] = 1
    time.sleep(1.5)
    db.session.rollback()

    assert client.get(f"/admin/ledger/{job_id}/status").get_json()["state"] == "failed"
    assert (total(Studio), total(Achievement), total(Patent)) == (0, 0, 0)
    _, status = finished(client, upload(client, workbook_bytes(tmp_path, valid_sheets())))
    assert status["state"] == "validated"  # the dead job no longer holds the slot
    db.session.refresh(job)
    assert job.status is ImportState.FAILED and "进程已中断" in job.error_text
