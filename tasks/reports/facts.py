"""A report's content record: everything it prints that comes from the data (names, figures, flags, reasons,
rule values), as plain JSON with Chinese keys, without the copy's identity (number, times, data date).

It is hashed into the verification code (tasks/reports/identity.py), stored with the job, and compared with a
fresh record on the verification page (`differences`), which then says in words what changed since the copy
was printed ("两委成员/王喆/年龄：62 → 63").
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from tasks.reports.context import RosterRow, RuleBasis, VillageReport
from tasks.reports.identity import canonical

MAX_DIFFERENCES = 60


def _person(row: RosterRow) -> dict[str, Any]:
    return {
        "性别": row.gender,
        "身份证号": row.id_masked,
        "年龄": row.age,
        "学历": row.education,
        "政治面貌": row.political_status,
        "职务": "、".join(row.posts),
        "兼任": "、".join(row.also),
        "产生方式": "、".join(row.hows),
        "最近考核": row.latest_grade,
        "健康": row.health,
        "能否正常履职": row.able_to_serve,
        "风险标记": [f"{f.kind_label}（{f.severity}）：{f.detail}" for f in row.flags],
    }


def _keyed(rows: Iterable[RosterRow]) -> dict[str, Any]:
    """People by name (a second person of the same name gets a suffix), so differences read as names."""
    out: dict[str, Any] = {}
    for row in rows:
        key = row.name if row.name not in out else f"{row.name}（{row.id_masked}）"
        out[key] = _person(row)
    return out


def basis_summary(basis: Iterable[RuleBasis], *, county: str) -> str:
    """One line for the identity block: which rule values carry a 文号, which are still defaults."""
    rows = list(basis)
    documented = sorted({b.document_number for b in rows if b.scope != "code" and "默认值" not in b.document_number})
    defaults = sum(1 for b in rows if b.scope == "code" or "默认值" in b.document_number)
    head = f"{county}规则取值 {len(rows)} 项"
    if documented:
        head += f"，依据 {'、'.join(documented)}"
    if defaults:
        head += f"；其中 {defaults} 项为默认值（未经文件核实）"
    return head + "（详见“规则依据”）"


def plain(record: dict[str, Any]) -> dict[str, Any]:
    """The record as stored and hashed: JSON types only (dates as YYYY-MM-DD)."""
    return json.loads(canonical(record))


def village_facts(report: VillageReport) -> dict[str, Any]:
    """The content record of a village report (plain JSON)."""
    v = report.village
    stats = report.stats
    return plain(
        {
            "村": {"名称": v.name, "代码": v.code, "乡镇": v.township.name, "区县": v.township.county.name},
            "村情概况": {
                "党组织类型": v.get_party_org_type_display(),
                "党员人数": v.party_member_count,
                "发展对象": v.development_candidates,
                "最近发展党员": v.last_party_admission_on,
                "社数": len(report.groups),
                "本村计划换届": v.planned_election_on,
                "区县计划换届": v.township.county.planned_election_on,
                "上次换届": v.held_election_on,
                "合并前村": [p.name for p in v.predecessors.all()],
            },
            "年龄基准日": report.reference.caption,
            "要情": {
                "两委成员": stats.members,
                "平均年龄": str(stats.average_age) if stats.average_age is not None else None,
                "红色": report.counts.red,
                "黄色": report.counts.amber,
                "在库后备干部": len(report.reserves),
            },
            "两委成员": _keyed(report.committee),
            "监委会": _keyed(report.supervision),
            "第一书记": _keyed(report.first_secretaries),
            "社长": {
                g.label: (_person(g.leader) | {"姓名": g.leader.name}) if g.leader else "空缺" for g in report.groups
            },
            "风险标记依据": [
                f"{f.name}：{f.label}（{f.severity}）{f.reason}；{'；'.join(f.rules)}"
                for f in report.committee_flags + report.group_leader_flags
            ],
            "班子结构比较": {row.label: [row.village, row.township, row.county] for row in report.comparison},
            "规则检查": {
                rule.label: {"结果": "通过" if rule.passed else rule.severity, "说明": rule.reason, "依据": basis}
                for rule, basis in report.rule_rows
            },
            "岗位接替": {
                row.label: {
                    "现任": [f"{h.person.name}（{h.age}岁）" for h in row.holders],
                    "接替人选": [f"{r.person.name}（{r.get_readiness_display()}）" for r in row.reserves],
                }
                for row in report.succession.rows
            },
            "后备干部": [
                {
                    "姓名": row.reserve.person.name,
                    "年龄": row.age,
                    "学历": row.education,
                    "目标岗位": row.reserve.get_target_post_display(),
                    "成熟度": row.reserve.get_readiness_display(),
                    "帮带人": row.reserve.mentor.name if row.reserve.mentor else "",
                    "培养措施": [f"{m.get_kind_display()}：{m.description}" for m in row.reserve.measures.all()],
                    "培训": [f"{e.training_class.name}（{e.get_status_display()}）" for e in row.training],
                }
                for row in report.reserves
            ],
            "规则依据": {b.label: f"{b.value}；{b.source}" for b in report.basis},
        }
    )


def _flatten(value: Any, path: str, out: dict[str, str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(item, f"{path}/{key}" if path else str(key), out)
    elif isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        for index, item in enumerate(value, start=1):
            _flatten(item, f"{path}/{index}", out)
    elif isinstance(value, list):
        out[path] = "；".join(str(item) for item in value) or "无"
    else:
        out[path] = "—" if value is None or value == "" else str(value)


def differences(printed: dict[str, Any], today: dict[str, Any]) -> list[str]:
    """What changed between the record of a printed copy and today's, one line each (at most MAX_DIFFERENCES)."""
    before: dict[str, str] = {}
    after: dict[str, str] = {}
    _flatten(printed, "", before)
    _flatten(today, "", after)
    lines = []
    for path in list(dict.fromkeys([*before, *after])):
        old, new = before.get(path), after.get(path)
        if old == new:
            continue
        if old is None:
            lines.append(f"新增 {path}：{new}")
        elif new is None:
            lines.append(f"已无 {path}（打印件：{old}）")
        else:
            lines.append(f"{path}：{old} → {new}")
    if len(lines) > MAX_DIFFERENCES:
        lines = [*lines[:MAX_DIFFERENCES], f"……另有 {len(lines) - MAX_DIFFERENCES} 处不同"]
    return lines
