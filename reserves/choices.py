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
