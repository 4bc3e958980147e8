"""verify_index(): what differs between the database and this machine's index (for flask check)."""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import func, select

from ..extensions import db
from ..models import local_time
from . import changelog, docarrays, documents
from .index import current_index, segments_of
from .models import IndexJob

KIND_LABELS = {"achievement": "成果", "patent": "专利", "studio": "工作室"}
REINDEX = "请运行 flask --app innovation_hub reindex"


def _when(version: int) -> str:
    moment = local_time(datetime(1970, 1, 1) + timedelta(microseconds=version))
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def verify_index() -> list[str]:
    """One line in Chinese per violation: a public record missing from this machine's index, a
    document whose record is not public or gone, a document older (or newer) than its record, a
    record indexed twice, and this index's position in the change log.

    The index is first brought up to the log, as a search does (never rebuilt: that would hide
    what is wrong), so that a change made a moment ago by any server is not reported.
    """
    index = current_index()
    if index.is_outdated():
        return [f"本机检索索引（{index.root}）是旧版软件建成的，无法检索：{REINDEX}"]
    changelog.drain_outbox(rebuild_when_needed=False)
    db.session.rollback()
    status = changelog.look(index, db.session)
    if status.live is None:
        return [f"本机没有检索索引（{index.root} 缺失或为空）：{REINDEX}"]
    problems = _position_problems(status)
    damaged = _arrays_problems(index)
    problems += damaged or _document_problems(index)  # the documents are read from the arrays
    db.session.rollback()
    return problems


def _position_problems(status: changelog.Status) -> list[str]:
    if status.rebuild_reason:
        return [f"{status.rebuild_reason}：{REINDEX}"]
    position = status.position
    out = []
    if status.unapplied:
        waiting = changelog.unapplied_count()
        newest = db.session.execute(select(func.max(IndexJob.id))).scalar()
        out.append(f"本机检索索引（编号 {status.ident}）还有 {waiting} 条变更未应用：位置 {position.position}，"
                   f"已应用到 {position.high}，变更日志最新到 {newest}")
    settle = changelog.setting("SEARCH_LOG_SETTLE_SECONDS")
    for lo, hi, seen in position.gaps:
        if time.time() - seen >= settle:
            out.append(f"本机检索索引（编号 {status.ident}）的位置停在 {position.position}："
                       f"变更日志编号 {lo}–{hi} 的空缺已超过 {settle:g} 秒仍未越过")
    return out


def _arrays_problems(index) -> list[str]:
    """A live segment without its per-document arrays file, or with one for another number of documents."""
    reader = index.open().reader()
    try:
        segments = [(segment_id, leaf.doc_count_all()) for leaf, _, segment_id in segments_of(reader)]
    finally:
        reader.close()
    return [f"本机检索索引的分段 {segment_id} 的文档数组文件有误（{line}）：{REINDEX}"
            for segment_id, line in docarrays.problems(index.live_dir(), segments)]


def _document_problems(index) -> list[str]:
    expected = documents.public_versions()
    searcher = index.searcher()
    kinds, ids, versions = (index.column(searcher, name) for name in ("type", "record_id", "version"))
    seen = Counter((kinds[d], ids[d]) for d in searcher.reader().all_doc_ids())
    out = []
    for key, (_version, title) in sorted(expected.items()):
        if key not in seen:
            out.append(f"{KIND_LABELS[key[0]]} {key[1]}《{title}》已公开，但本机检索索引中没有它")
    gone = [key for key in seen if key not in expected]
    for kind in ("achievement", "patent"):
        found = documents.statuses(kind, [rid for k, rid in gone if k == kind])
        for rid in sorted(rid for k, rid in gone if k == kind):
            state = found.get(rid)
            out.append(f"本机检索索引中有{KIND_LABELS[kind]} {rid}，但它"
                       + (f"已不公开（{state.label}）" if state else "在数据库中已不存在"))
    out.extend(f"本机检索索引中有工作室 {rid}，但它在数据库中已不存在"
               for rid in sorted(rid for k, rid in gone if k == "studio"))
    for key, count in sorted(seen.items()):
        if count > 1:
            out.append(f"本机检索索引中{KIND_LABELS[key[0]]} {key[1]} 出现了 {count} 次")
    indexed = {}
    for d in searcher.reader().all_doc_ids():
        indexed[(kinds[d], ids[d])] = versions[d]
    for key, version in sorted(indexed.items()):
        if key not in expected or expected[key][0] == version:
            continue
        record_version, title = expected[key]
        which = "旧于" if version < record_version else "新于（数据库可能已从备份恢复）"
        out.append(f"本机检索索引中{KIND_LABELS[key[0]]} {key[1]}《{title}》的内容{which}数据库中的记录"
                   f"（索引时记录更新于 {_when(version)}，现在更新于 {_when(record_version)}）")
    return out
