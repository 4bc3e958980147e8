"""The administrator uploads a ledger with errors, then a good one, confirms and watches the import finish."""

from __future__ import annotations

import time
from contextlib import contextmanager

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_judge_scoring import sign_in
from tests.ledger.helpers import achievement_row, patent_row, valid_sheets, write_workbook

pytestmark = pytest.mark.browser


def _slowed(monkeypatch):
    """A millisecond per row, so that a demo-sized ledger shows its progress bar for a few seconds."""
    from innovation_hub.ledger import services

    real = services._Tracker.__call__

    @contextmanager
    def slow(self, items, length, label):
        with real(self, items, length, label) as each:
            def slowly():
                for item in each:
                    time.sleep(0.001)
                    yield item
            yield slowly()

    monkeypatch.setattr(services._Tracker, "__call__", slow)


def test_admin_uploads_a_bad_ledger_then_a_good_one_and_imports_it(live_server, page, tmp_path, monkeypatch):
    from innovation_hub.ledger.exporter import catalogue_workbook

    base, app = live_server
    sheets = valid_sheets()
    sheets["成果"].append(achievement_row("新型焊接工艺", category="技术创新"))
    sheets["专利"].append(patent_row("ZL202110123456.0"))
    bad = write_workbook(tmp_path / "有错误的台账.xlsx", sheets)
    with app.app_context():
        workbook, counts = catalogue_workbook()  # the demo catalogue as it stands: imported, nothing changes
    good = tmp_path / "十二月台账.xlsx"
    workbook.save(good)
    patents = workbook["专利"]
    patents.delete_rows(patents.max_row - 2, 3)  # three patents the site has are missing from this one
    partial = tmp_path / "缺三件专利的台账.xlsx"
    workbook.save(partial)

    sign_in(page, base, "admin")
    page.locator(".navbar .dropdown-toggle").click()
    page.get_by_role("link", name="台账导入").click()
    expect(page.locator("h1")).to_have_text("台账导入")
    page.get_by_label("台账文件（.xlsx）").set_input_files(str(bad))
    page.get_by_role("button", name="上传并校验").click()
    expect(page.locator(".alert-danger")).to_contain_text("校验未通过：共 2 处错误", timeout=20_000)
    errors = page.locator("table.ledger-errors tbody tr")
    expect(errors).to_have_count(2)
    expect(errors.first).to_contain_text("成果")
    expect(errors.first).to_contain_text("类别")
    expect(errors.first).to_contain_text("“技术创新”不是有效的类别")
    expect(errors.nth(1)).to_contain_text("校验位错误")
    screenshot(page, "ledger-errors")

    page.get_by_role("link", name="重新上传").click()
    page.get_by_label("台账文件（.xlsx）").set_input_files(str(partial))
    page.get_by_role("button", name="上传并校验").click()
    expect(page.locator("form.ledger-confirm")).to_contain_text("专利 3 件", timeout=30_000)
    tick = page.get_by_label("同时删除这 0 个工作室、0 项成果、3 件专利")
    expect(tick).not_to_be_checked()  # deletion is off unless ticked
    screenshot(page, "ledger-delete-option")
    page.get_by_role("link", name="不导入，重新上传").click()

    _slowed(monkeypatch)  # from here on the progress bar is watched
    page.get_by_label("台账文件（.xlsx）").set_input_files(str(good))
    page.get_by_role("button", name="上传并校验").click()
    expect(page.locator(".ledger-progress")).to_be_visible()
    expect(page.locator(".alert-success")).to_contain_text("校验通过，尚未写入任何数据", timeout=30_000)
    table = page.locator("table.ledger-counts")
    expect(table).to_contain_text(str(counts["achievements"]))
    expect(page.locator("form.ledger-confirm")).not_to_contain_text("同时删除")  # nothing is absent
    screenshot(page, "ledger-dry-run")

    page.get_by_role("button", name="确认导入").click()
    expect(page.locator(".ledger-state")).to_have_text("导入中")
    expect(page.locator(".ledger-progress .progress-bar")).not_to_have_text("0%", timeout=10_000)
    screenshot(page, "ledger-progress", full_page=False)
    expect(page.locator(".alert-success")).to_contain_text("导入完成，全部数据已写入", timeout=60_000)
    expect(page.locator("table.ledger-counts")).to_contain_text("未变")
    screenshot(page, "ledger-done")
    page.get_by_role("link", name="返回台账导入").click()
    expect(page.locator("table.ledger-jobs tbody tr")).to_have_count(3)
    expect(page.locator("table.ledger-jobs tbody tr").first).to_contain_text("已完成")
    screenshot(page, "ledger-index")
