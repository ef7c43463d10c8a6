from django.db import models

from villages.choices import ReserveStatus  # noqa: F401  (the code list lives in core; re-exported for the reserves app)


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
