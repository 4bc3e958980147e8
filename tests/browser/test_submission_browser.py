"""The whole submission flow in Chromium: a studio files an achievement with proof, an administrator approves it."""

import re

import pytest
from playwright.sync_api import expect

from innovation_hub.demo.accounts import DEMO_ACCOUNTS
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser
PASSWORDS = {a.username: a.password for a in DEMO_ACCOUNTS}
TITLE = "浏览器测试：输煤皮带跑偏自动纠偏装置研制"


def sign_in(page, base, username):
    page.goto(base + "/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORDS[username])
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".alert-success")).to_contain_text("欢迎")


def sign_out(page):
    page.locator(".navbar .dropdown-toggle").click()
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("link", name="登录")).to_be_visible()


def test_studio_files_admin_approves_public_sees(live_server, page, tmp_path):
    base, _app = live_server
    proof = tmp_path / "验收报告.pdf"
    proof.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

    sign_in(page, base, "studio")
    page.goto(base + "/studio/achievements/new")
    page.get_by_label("成果名称").fill(TITLE)
    page.get_by_label("类别").select_option(label="技术革新")
    page.get_by_label("完成年份").fill("2025")
    page.get_by_label("完成人").fill("张立新、王晓")
    page.get_by_label("经济效益（万元）").fill("36.5")
    page.get_by_label("成果摘要").fill("针对输煤皮带跑偏频繁的问题，研制自动纠偏装置，跑偏停机由每月 6 次降为 0 次。")
    screenshot(page, "studio-achievement-form")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator("h1")).to_contain_text(TITLE)

    page.get_by_label("证明材料").set_input_files(str(proof))
    page.get_by_label(re.compile("^公开")).check()
    page.get_by_role("button", name="上传").click()
    expect(page.get_by_role("link", name="验收报告.pdf")).to_be_visible()
    page.get_by_role("button", name="提交审核").first.click()
    expect(page.get_by_text("待审核").first).to_be_visible()
    screenshot(page, "studio-submitted")
    sign_out(page)

    sign_in(page, base, "admin")
    page.goto(base + "/admin/review")
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("link", name="验收报告.pdf")).to_be_visible()
    screenshot(page, "admin-review")
    page.get_by_role("button", name="通过").click()
    expect(page.locator(".alert-success")).to_be_visible()
    sign_out(page)

    # The public finds it by search and reads it, with its public proof file.
    page.goto(base + "/search?q=输煤皮带跑偏")
    page.get_by_role("link", name=re.compile("输煤皮带跑偏自动纠偏装置")).first.click()
    expect(page.locator("h1")).to_have_text(TITLE)
    expect(page.get_by_text("张立新")).to_be_visible()
    screenshot(page, "public-approved")
