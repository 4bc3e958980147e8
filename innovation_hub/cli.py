"""Command line: thin wrappers over the services (flask --app innovation_hub …)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask


def register(app: Flask) -> None:
    app.cli.add_command(init_db)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(demo_logins_command)
    app.cli.add_command(import_command)
    app.cli.add_command(export_command)
    app.cli.add_command(reindex_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(reset_password_command)
    app.cli.add_command(award_export_command)
    app.cli.add_command(check_command)


@click.command("init-db")
def init_db() -> None:
    """Create or upgrade the database schema (migrations)."""
    from .extensions import upgrade_schema

    upgrade_schema()
    click.echo("数据库结构已是最新。")


@click.command("seed-demo")
@click.option("--force", is_flag=True, help="即使数据库已有数据也重新生成示例数据（会清空现有目录）")
@click.option("--if-empty", is_flag=True, help="数据库已有数据时什么也不做（make run 用）")
def seed_demo_command(force: bool, if_empty: bool) -> None:
    """Load the fictional demo data (示例数据) into an empty database."""
    from .demo.seed import DemoSeedRefused, seed_demo

    if if_empty and not force and not catalogue_is_empty():
        click.echo("数据库已有数据，未重新生成示例数据。")
        return
    try:
        summary = seed_demo(force=force, progress=_progress)
    except DemoSeedRefused as error:
        raise click.ClickException(str(error)) from error
    click.echo(summary.describe())


@click.command("demo-logins")
def demo_logins_command() -> None:
    """List the demo logins (示例账号) that still have their documented password."""
    from .demo.accounts import demo_judge_note, demo_logins

    found = demo_logins()
    if not found:
        click.echo("没有可用的示例账号（已修改密码、已停用，或数据库不是由 seed-demo 生成的）。"
                   "可用 create-user 命令创建账号。")
        return
    click.echo("示例账号（仅供演示；正式使用前请停用，或修改密码）：")
    for account, user in found:
        role = account.role.label + " " * (8 - 2 * len(account.role.label))  # a Chinese character is 2 columns
        line = f"  {role}{account.username:<8}/ {account.password}"
        click.echo(f"{line}  （{user.studio.name}）" if user.studio else line)
    if note := demo_judge_note():
        click.echo(note)


@click.command("import")
@click.argument("ledger", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="只校验、不写入")
@click.option("--delete-missing", is_flag=True,
              help="同时删除数据库中有、文件中没有的工作室、成果和专利（不能删除的予以保留并列出）")
def import_command(ledger: Path, dry_run: bool, delete_missing: bool) -> None:
    """Import a ledger (台账) workbook: all rows or none (the same service as /admin/ledger)."""
    from .ledger.importer import LedgerInvalid
    from .ledger.services import LedgerBusy, import_file, refuse_if_busy

    try:
        refuse_if_busy()  # an import from /admin/ledger is running: one at a time
        report = import_file(None, ledger, dry_run=dry_run, delete_missing=delete_missing, progress=_progress)
    except LedgerInvalid as error:
        click.echo(error.describe(), err=True)
        raise SystemExit(1) from error
    except LedgerBusy as error:
        click.echo(str(error), err=True)
        raise SystemExit(1) from error
    click.echo(report.describe())


@click.command("export")
@click.argument("ledger", type=click.Path(dir_okay=False, path_type=Path))
def export_command(ledger: Path) -> None:
    """Write the approved catalogue as a ledger (台账) workbook."""
    from .ledger.exporter import export_ledger

    counts = export_ledger(ledger, progress=_progress)
    click.echo(
        f"已导出到 {ledger}：工作室 {counts['studios']} 个，成果 {counts['achievements']} 项，"
        f"专利 {counts['patents']} 件。"
    )


@click.command("reindex")
@click.option("--if-missing", is_flag=True,
              help="只在本机还没有可用的检索索引（缺失、旧版，或跟不上变更日志）时重建（make run 与服务器启动时用）")
def reindex_command(if_missing: bool) -> None:
    """Rebuild the search index from the database (searches keep working meanwhile)."""
    from .search import index_ready, rebuild

    if if_missing and index_ready():
        click.echo("检索索引已存在，未重建。")
        return
    total = rebuild(progress=_progress)
    click.echo(f"检索索引已重建：共 {total} 条记录。")


@click.command("create-user")
@click.argument("name")
@click.option("--role", type=click.Choice(["admin", "judge", "studio"]), required=True, help="账号角色")
@click.option("--studio", "studio_name", default="", help="工作室账号所属的工作室名称")
@click.option("--unit", default="", help="评委的工作单位（用于回避）")
@click.password_option("--password", prompt="密码", confirmation_prompt="再次输入密码", help="不给出时会提示输入两次")
def create_user_command(name: str, role: str, studio_name: str, unit: str, password: str) -> None:
    """Create an account (asks for the password twice)."""
    from .accounts.models import Role
    from .accounts.services import AccountError, create_user

    try:
        user = create_user(None, name, password, Role(role), studio_name=studio_name, unit=unit)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"已创建{user.role.label}账号 {user.username}。")


@click.command("reset-password")
@click.argument("name")
@click.option("--temporary", is_flag=True, help="生成一次性临时密码并显示，使用人下次登录时须修改")
@click.option("--password", default=None, help="新密码；不给出时会提示输入两次")
def reset_password_command(name: str, temporary: bool, password: str | None) -> None:
    """Set a new password for an account, end its sessions and unlock it (asks for the password twice)."""
    from .accounts.services import AccountError, reset_password, user_by_username

    user = user_by_username(name)
    if user is None:
        raise click.ClickException(f"没有用户名为“{name}”的账号")
    if temporary and password is not None:
        raise click.UsageError("--temporary 与 --password 只能选一个")
    if not temporary and password is None:
        password = click.prompt("新密码", hide_input=True, confirmation_prompt="再次输入新密码")
    try:
        password = reset_password(None, user, None if temporary else password)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    if temporary:
        click.echo(f"已重置账号 {user.username} 的密码。临时密码（只显示这一次）：{password}")
        click.echo("使用人用它登录后须立即设置新密码。")
    else:
        click.echo(f"已重置账号 {user.username} 的密码；原有登录已失效，登录锁定已解除。")
    if not user.active:
        click.echo("注意：该账号已停用，须在“账号管理”中启用后才能登录。")


@click.command("award-export")
@click.argument("round_id")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def award_export_command(round_id: str, path: Path) -> None:
    """Write a round's score sheet (评分明细) and ranking (排名) as one xlsx workbook."""
    from .awards.exports import write_workbook
    from .awards.models import AwardRound
    from .awards.services import AwardError
    from .extensions import db

    award_round = db.session.get(AwardRound, int(round_id)) if round_id.isdigit() else None
    if award_round is None:
        click.echo(f"没有编号为 {round_id} 的评选，请核对评选编号（评选管理页面的网址中 /admin/awards/ 后面的数字）。",
                   err=True)
        raise SystemExit(1)
    try:
        workbook = write_workbook(award_round, path)
    except AwardError as error:
        click.echo(f"不能导出：{error.description}", err=True)
        raise SystemExit(1) from error
    click.echo(f"已导出评选“{award_round.name}”到 {path}：评分明细 {workbook['评分明细'].max_row - 1} 行，"
               f"排名 {workbook['排名'].max_row - 1} 项。")


@click.command("check")
@click.option("--only", "names", multiple=True, metavar="NAME", help="只运行这一项检查（可重复）")
def check_command(names: tuple[str, ...]) -> None:
    """Check the stored state for inconsistencies (files, scores, results, catalogue…); exit 1 on any."""
    from .integrity import available_checks, run_checks

    known = [c.name for c in available_checks()]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise click.UsageError(f"没有名为 {'、'.join(unknown)} 的检查；可选：{'、'.join(known)}")
    total = 0
    for item, found in run_checks(names):
        total += len(found)
        click.echo(f"{item.title}（{item.name}）：" + (f"{len(found)} 处问题" if found else "无问题"))
        for line in found:
            click.echo(f"  - {line}")
    click.echo(f"共 {total} 处问题" if total else "0 处问题")
    if total:
        raise SystemExit(1)


def catalogue_is_empty() -> bool:
    from sqlalchemy import select

    from .catalogue.models import Studio
    from .extensions import db

    return db.session.execute(select(Studio.id).limit(1)).first() is None


def _progress(iterable, length: int, label: str):
    """A click progress bar; the services take it as a plain wrapper around their loops."""
    return click.progressbar(iterable, length=length, label=label, show_pos=True)
