"""record(): the one way to write the audit log, inside the caller's write transaction."""

from __future__ import annotations

from ..extensions import db
from .models import AuditEntry

# The actor of what an anonymous visitor did (a failed login): whoever typed, not the account named.
VISITOR = "访客"

# What each action is called on the audit page.
ACTIONS = {
    "user.login": "登录",
    "user.login_failed": "登录失败",
    "user.create": "创建账号",
    "user.disable": "停用账号",
    "user.enable": "启用账号",
    "user.password": "修改密码",
    "user.reset_password": "重置密码",
    "user.unlock": "解锁账号",
    "user.edit": "修改账号资料",
    "record.create": "新建草稿",
    "record.edit": "修改",
    "record.submit": "提交审核",
    "record.approve": "审核通过",
    "record.return": "退回",
    "studio.edit": "修改工作室资料",
    "studio.change_request": "申请变更工作室资料",
    "studio.change_withdraw": "撤回资料变更申请",
    "catalogue.studio_create": "新建工作室",
    "catalogue.studio_edit": "修改工作室",
    "catalogue.studio_merge": "合并重复工作室",
    "catalogue.title_add": "添加命名",
    "catalogue.title_revoke": "撤销命名",
    "catalogue.leader_change": "更换领办人",
    "catalogue.achievement_edit": "管理员修改成果",
    "catalogue.patent_edit": "管理员修改专利",
    "catalogue.record_unpublish": "撤下记录",
    "catalogue.record_republish": "重新公开记录",
    "catalogue.record_delete": "删除记录",
    "catalogue.request_approve": "同意资料变更",
    "catalogue.request_refuse": "拒绝资料变更",
    "file.upload": "上传证明材料",
    "file.delete": "删除证明材料",
    "award.round_create": "创建评选",
    "award.round_edit": "修改评选设置",
    "award.criterion_add": "添加评分指标",
    "award.criterion_edit": "修改评分指标",
    "award.criterion_remove": "删除评分指标",
    "award.criteria_reorder": "调整指标顺序",
    "award.transition": "评选阶段变更",
    "award.nominate": "推荐参评",
    "award.withdraw": "撤回推荐",
    "award.qualify": "资格审核通过",
    "award.reject": "资格审核不通过",
    "award.judge_add": "添加评委",
    "award.judge_remove": "移除评委",
    "award.assign_auto": "自动分配评审",
    "award.assign": "分配评审",
    "award.unassign": "撤销分配",
    "award.conflict_declare": "评委申报回避",
    "award.conflict_set": "设定回避",
    "award.score_submit": "提交评分",
    "award.score_reopen": "重新开放评分",
    "award.objection_answer": "答复异议",
    "award.ballots_issue": "发放投票码",
    "award.ballots_reveal": "打印或下载投票码",
    "award.ballots_void": "作废投票码批次",
    "ledger.upload": "上传台账",
    "ledger.confirm": "确认导入台账",
    "ledger.import": "导入台账",
    "ledger.fail": "台账校验或导入失败",
    "lifecycle.year_open": "开启年度考核",
    "lifecycle.year_close": "结束年度考核",
    "lifecycle.report_save": "保存年度报告",
    "lifecycle.report_submit": "提交年度报告",
    "lifecycle.report_return": "退回年度报告",
    "lifecycle.report_grade": "评定年度考核",
    "lifecycle.recheck": "记录复核结果",
    "studio.delist": "摘牌",
    "studio.restore": "恢复工作室",
    "patent.legal_status": "更改专利法律状态",
    "value.add": "填报分年度经济效益",
    "value.remove": "删除分年度经济效益",
    "value.verify": "核实经济效益",
    "value.unverify": "取消核实经济效益",
}


def record(actor, action: str, target_type: str, target_id: int | None, target_label: str = "",
           detail: str = "", *, actor_name: str = "命令行") -> AuditEntry:
    """Add an audit entry to the current transaction (actor None: the command line, or who `actor_name` says)."""
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        actor_name=actor.username if actor is not None else actor_name,
        action=action, target_type=target_type, target_id=target_id, target_label=target_label, detail=detail,
    )
    db.session.add(entry)
    return entry
