from django.db import models

from villages.choices import (
    Post,
    ReserveStatus,  # noqa: F401  (the code list lives in core; re-exported for the reserves app)
)

# Posts a reserve can be kept for: every post but 第一书记 (dispatched from above, never grown in the village).
RESERVE_TARGET_POSTS = [(value, label) for value, label in Post.choices if value != Post.FIRST_SECRETARY]


class Readiness(models.TextChoices):
    READY_NOW = "ready_now", "当前可用"
    WITHIN_TERM = "within_term", "届内可用"
    NEEDS_DEVELOPMENT = "needs_development", "需继续培养"


class AddedHow(models.TextChoices):
    RECOMMENDED = "recommended", "推荐"
    INSPECTED = "inspected", "考察"
    EXAMINED = "examined", "考试"


class MeasureKind(models.TextChoices):
    POST_PRACTICE = "post_practice", "岗位锻炼"
    TRAINING = "training", "培训"
    EDUCATION = "education", "学历提升"
    PROJECT = "project", "领办项目"


class ClassLevel(models.TextChoices):
    MID_TERM = "mid_term", "中期班"
    SHORT = "short", "短期班"
    DEGREE = "degree", "学历班"


class EnrollmentStatus(models.TextChoices):
    ENROLLED = "enrolled", "在读"
    COMPLETED = "completed", "结业"
    DROPPED = "dropped", "退学"


class SlateStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    FINAL = "final", "定稿"


# ---- growing the bench (docs/domain.md §11) ----


class TalentSource(models.TextChoices):
    """Where a person of the talent pool (人才库 / 回引库) comes from."""

    MIGRANT_WORKER = "migrant_worker", "外出务工经商人员"
    BUSINESS_OWNER = "business_owner", "个体工商户、企业主"
    GRADUATE = "graduate", "高校毕业生"
    VETERAN = "veteran", "退役军人"
    LOCAL_EXPERT = "local_expert", "本土致富能手"
    OTHER = "other", "其他"


class RuralTalentCategory(models.TextChoices):
    """The national rural-talent categories (乡村人才分类)."""

    AGRICULTURAL_PRODUCTION = "agricultural_production", "农业生产经营人才"
    SECONDARY_TERTIARY = "secondary_tertiary", "农村二三产业发展人才"
    PUBLIC_SERVICE = "public_service", "乡村公共服务人才"
    GOVERNANCE = "governance", "乡村治理人才"
    SCIENCE_TECHNOLOGY = "science_technology", "农业农村科技人才"


class ReturnWillingness(models.TextChoices):
    WILLING = "willing", "愿意回村"
    CONSIDERING = "considering", "有意向，待沟通"
    UNWILLING = "unwilling", "暂无意向"
    UNKNOWN = "unknown", "未了解"


class TalentStatus(models.TextChoices):
    IN_POOL = "in_pool", "在库"
    PROMOTED = "promoted", "已纳入后备"
    LEFT = "left", "退出"


class MentorSide(models.TextChoices):
    """Each reserve has two named mentors (联系帮带责任人): one from the township, one from the village."""

    TOWNSHIP = "township", "乡镇帮带人"
    VILLAGE = "village", "村级帮带人"


class TalkBy(models.TextChoices):
    """Who held a talk (谈心谈话) with a reserve."""

    TOWNSHIP_MENTOR = "township_mentor", "乡镇帮带人"
    VILLAGE_MENTOR = "village_mentor", "村级帮带人"
    TOWNSHIP_SECRETARY = "township_secretary", "乡镇党委书记"
    OTHER = "other", "其他"


MENTOR_TALKS: frozenset[str] = frozenset({TalkBy.TOWNSHIP_MENTOR, TalkBy.VILLAGE_MENTOR})


class ProgrammeStatus(models.TextChoices):
    """A 学历提升 programme: under way (在读), graduated, dropped out."""

    STUDYING = "studying", "在读"
    GRADUATED = "graduated", "已毕业"
    DROPPED = "dropped", "退学"


# Levels a 学历提升 programme leads to (open-university 专科 and 本科, some postgraduate).
PROGRAMME_LEVELS = [
    ("associate", "大学专科"),
    ("bachelor", "大学本科"),
    ("postgraduate", "研究生"),
]


class FilingKind(models.TextChoices):
    """What a 备案 registers (API `filings.kind`)."""

    POST = "post", "任职备案"
    RESERVE = "reserve", "后备干部备案"


class FilingOccasion(models.TextChoices):
    """Why a filing is due: a post filled at an election, a mid-term change (任前备案), a reserve entering the list."""

    ELECTION = "election", "换届"
    MID_TERM = "mid_term", "届中调整"
    RESERVE_LIST = "reserve_list", "后备干部名单"


class FilingStatus(models.TextChoices):
    """Derived from the dates (API `filings.status`): filed once `filed_on` is set, else overdue after `due_on`."""

    DUE = "due", "待备案"
    FILED = "filed", "已备案"
    OVERDUE = "overdue", "逾期未备案"


class AftercareStep(models.TextChoices):
    """The work after an election, per village, in the order it is due (docs/domain.md §8)."""

    RESULTS_REPORTED = "results_reported", "选举结果报乡镇"
    SUPERVISION_CHOSEN = "supervision_chosen", "推选村务监督委员会"
    HANDOVER = "handover", "工作交接（印章、账目、档案、资产）"
    TALKS = "talks", "新任成员谈心谈话"
    TRAINING = "training", "岗前培训"
    ARCHIVE = "archive", "换届资料归档"


class VacancyReason(models.TextChoices):
    """Why a member left mid-term (届中调整)."""

    RESIGNED = "resigned", "辞职"
    DIED = "died", "去世"
    DISMISSED = "dismissed", "罢免或免职"
    PROMOTED = "promoted", "提拔或调任"
    INCOMPETENT_TWICE = "incompetent_twice", "连续两年民主评议不称职（职务终止）"
    OTHER = "other", "其他"


class MidTermStage(models.TextChoices):
    """Where a mid-term change stands (derived from its dated steps)."""

    VACANT = "vacant", "空缺待提名"
    NOMINATED = "nominated", "已提名待审查"
    REVIEWED = "reviewed", "审查通过待备案"
    FILED = "filed", "已备案待任职"
    FILLED = "filled", "已任职"
    CANCELLED = "cancelled", "已撤销"


# ---- 资格联审 (qualification review) and the negative list (docs/domain.md §9) ----


class ReviewPurpose(models.TextChoices):
    ELECTION = "election", "换届候选人"
    RESERVE_ENTRY = "reserve_entry", "后备干部入库"
    MID_TERM_CHANGE = "mid_term_change", "届中调整"


class ReviewRound(models.TextChoices):
    """The rounds in their order: 村党组织自审 → 乡镇初审 → 县级联审 (one opinion per department) → 党委考察."""

    VILLAGE = "village", "村党组织自审"
    TOWNSHIP = "township", "乡镇初审"
    COUNTY = "county", "县级联审"
    COMMITTEE = "committee", "党委考察"


class Conclusion(models.TextChoices):
    PASS = "pass", "通过"
    FAIL = "fail", "不通过"


class QualificationStatus(models.TextChoices):
    """A review's status: derived from its opinions, the county's department list and the negative records."""

    PENDING = "pending", "待审"
    PASSED = "passed", "通过"
    FAILED = "failed", "不通过"
    WITHDRAWN = "withdrawn", "撤回"


class ItemEnd(models.TextChoices):
    """How a negative-list entry stops counting."""

    PERMANENT = "permanent", "长期有效"
    PERIOD = "period", "期满失效"
    RECTIFICATION = "rectification", "整改后失效"


class ReviewAuditKind(models.TextChoices):
    DETAIL_VIEW = "detail_view", "查看负面清单记录"
    SHEET_EXPORT = "sheet_export", "导出部门核查表"
    FORM_PRINT = "form_print", "打印资格审查表"
    OVERRIDE = "override", "未经联审放行（仅提醒）"
