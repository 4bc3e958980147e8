"""Account recovery in Chromium: the administrator creates a judge with its 工作单位, resets its password in the
confirmation dialog, and the judge logs in with the temporary password and must change it first."""

import pytest
from playwright.sync_api import expect

from innovation_hub.demo.accounts import DEMO_ACCOUNTS
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser
ADMIN_PASSWORD = next(a.password for a in DEMO_ACCOUNTS if a.username == "admin")
NEW_PASSWORD = "browser-judge-77"


def sign_in(page, base, username, password, next_path=""):
    page.goto(base + "/login" + (f"?next={next_path}" if next_path else ""))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def sign_out(page):
    page.locator(".navbar .dropdown-toggle").click()
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("link", name="登录")).to_be_visible()


def test_admin_resets_a_password_and_the_user_must_change_it(live_server, page):
    base, _app = live_server
    sign_in(page, base, "admin", ADMIN_PASSWORD)
    page.goto(base + "/admin/users")
    form = page.locator("form", has=page.get_by_role("heading", name="新建账号"))
    form.get_by_label("用户名").fill("recovery-judge")
    form.get_by_label("姓名或单位").fill("恢复测试评委")
    form.get_by_label("角色").select_option(label="评委")
    form.get_by_label("工作单位（评委填写）").fill("示例重工集团")
    form.get_by_label("初始密码").fill("first-pass-2024")
    form.get_by_role("button", name="创建").click()
    expect(page.locator(".alert-success")).to_contain_text("已创建账号 recovery-judge")
    row = page.locator("tr", has=page.get_by_role("link", name="recovery-judge", exact=True))
    expect(row).to_contain_text("示例重工集团")
    screenshot(page, "admin-users")

    row.get_by_role("link", name="编辑").click()
    expect(page.get_by_label("工作单位（评委填写）")).to_have_value("示例重工集团")
    page.get_by_role("button", name="重置密码").click()
    dialog = page.locator(".modal.show")
    expect(dialog).to_contain_text("临时密码只在下一页显示一次")
    screenshot(page, "admin-user-reset-dialog", full_page=False)
    dialog.get_by_role("button", name="重置并显示临时密码").click()
    temporary = page.locator("#temporary-password").inner_text().strip()
    assert len(temporary) == 14
    screenshot(page, "admin-user-temporary-password")
    sign_out(page)

    sign_in(page, base, "recovery-judge", temporary, next_path="/judge/")
    expect(page.locator(".alert-warning")).to_contain_text("管理员已为您重置密码")
    page.goto(base + "/awards/")
    expect(page.get_by_role("heading", name="修改密码")).to_be_visible()  # every page leads here
    screenshot(page, "forced-password-change")
    page.get_by_label("原密码").fill(temporary)
    page.get_by_label("新密码", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("再次输入新密码").fill(NEW_PASSWORD)
    page.get_by_role("button", name="保存新密码").click()
    expect(page.locator(".alert-success")).to_contain_text("密码已修改")
    assert page.url.endswith("/awards/")  # on to where the user was going
