"""Code lists. API values are the enum values; the UI shows the Chinese labels (docs/api.md "Enumerations")."""

from django.db import models
from django.db.models import Q


class Organ(models.TextChoices):
    PARTY = "party", "村党组织"
    COMMITTEE = "committee", "村委会"
    SUPERVISION = "supervision", "村务监督委员会"
    GROUP = "group", "村民小组"
    OTHER = "other", "其他"


class Post(models.TextChoices):
    PARTY_SECRETARY = "party_secretary", "书记"
    PARTY_DEPUTY_SECRETARY = "party_deputy_secretary", "副书记"
    PARTY_MEMBER = "party_member", "支委委员"
    DIRECTOR = "director", "村委会主任"
    DEPUTY_DIRECTOR = "deputy_director", "副主任"
    COMMITTEE_MEMBER = "committee_member", "村委委员"
    SUPERVISION_DIRECTOR = "supervision_director", "监委会主任"
    SUPERVISION_MEMBER = "supervision_member", "监委委员"
    CLERK = "clerk", "村文书"
    GROUP_LEADER = "group_leader", "社长"
    FIRST_SECRETARY = "first_secretary", "第一书记"


ORGAN_OF_POST: dict[str, str] = {
    Post.PARTY_SECRETARY: Organ.PARTY,
    Post.PARTY_DEPUTY_SECRETARY: Organ.PARTY,
    Post.PARTY_MEMBER: Organ.PARTY,
    Post.DIRECTOR: Organ.COMMITTEE,
    Post.DEPUTY_DIRECTOR: Organ.COMMITTEE,
    Post.COMMITTEE_MEMBER: Organ.COMMITTEE,
    Post.CLERK: Organ.COMMITTEE,
    Post.SUPERVISION_DIRECTOR: Organ.SUPERVISION,
    Post.SUPERVISION_MEMBER: Organ.SUPERVISION,
    Post.GROUP_LEADER: Organ.GROUP,
    Post.FIRST_SECRETARY: Organ.OTHER,
}

# 村"两委" = the party organization and the villagers' committee (the clerk sits with the committee).
COMMITTEE_POSTS: frozenset[str] = frozenset(
    {
        Post.PARTY_SECRETARY,
        Post.PARTY_DEPUTY_SECRETARY,
        Post.PARTY_MEMBER,
        Post.DIRECTOR,
        Post.DEPUTY_DIRECTOR,
        Post.COMMITTEE_MEMBER,
        Post.CLERK,
    }
)
# Seats a village has one of at a time (社长: one per 社). Other posts (deputies, members) may have several holders.
SINGLE_SEAT_POSTS: frozenset[str] = frozenset(
    {Post.PARTY_SECRETARY, Post.DIRECTOR, Post.SUPERVISION_DIRECTOR, Post.CLERK}
)
# Seats whose vacancy or acting holder is a succession gap.
KEY_POSTS: frozenset[str] = frozenset({Post.PARTY_SECRETARY, Post.DIRECTOR})
# Leaders whose age limit is stricter (docs/domain.md §5 high_age: 55–59 amber).
LEADER_POSTS: frozenset[str] = frozenset({Post.PARTY_SECRETARY, Post.DIRECTOR})


class How(models.TextChoices):
    ELECTED = "elected", "选举"
    BY_ELECTION = "by_election", "补选"
    APPOINTED = "appointed", "任命"
    CHOSEN = "chosen", "推选"
    ACTING = "acting", "代理"
    TOWNSHIP_CONCURRENT = "township_concurrent", "乡镇干部兼任"
    DISPATCHED = "dispatched", "下派"


ACTING_HOWS: frozenset[str] = frozenset({How.ACTING, How.TOWNSHIP_CONCURRENT})


class Education(models.TextChoices):
    """Highest first (GB/T 4658 roll-up). `rank` orders them: larger is higher."""

    POSTGRADUATE = "postgraduate", "研究生"
    BACHELOR = "bachelor", "大学本科"
    ASSOCIATE = "associate", "大学专科"
    SECONDARY_VOCATIONAL = "secondary_vocational", "中专/中技/技校/职高"
    HIGH_SCHOOL = "high_school", "高中"
    JUNIOR_HIGH = "junior_high", "初中"
    PRIMARY = "primary", "小学"
    NONE = "none", "文盲或半文盲"


EDUCATION_RANK: dict[str, int] = {
    Education.NONE: 0,
    Education.PRIMARY: 1,
    Education.JUNIOR_HIGH: 2,
    Education.HIGH_SCHOOL: 3,
    Education.SECONDARY_VOCATIONAL: 3,
    Education.ASSOCIATE: 4,
    Education.BACHELOR: 5,
    Education.POSTGRADUATE: 6,
}


class PoliticalStatus(models.TextChoices):
    CPC_MEMBER = "cpc_member", "中共党员"
    CPC_PROBATIONARY = "cpc_probationary", "中共预备党员"
    CYL_MEMBER = "cyl_member", "共青团员"
    DEMOCRATIC_PARTY = "democratic_party", "民主党派"
    INDEPENDENT = "independent", "无党派人士"
    MASSES = "masses", "群众"


class Grade(models.TextChoices):
    EXCELLENT = "excellent", "优秀"
    COMPETENT = "competent", "称职"
    BASICALLY_COMPETENT = "basically_competent", "基本称职"
    INCOMPETENT = "incompetent", "不称职"


class Health(models.TextChoices):
    HEALTHY = "healthy", "健康"
    FAIR = "fair", "一般"
    CHRONIC = "chronic", "慢性病"
    DISABLED = "disabled", "残疾"


class Gender(models.TextChoices):
    MALE = "male", "男"
    FEMALE = "female", "女"


class QualityRating(models.TextChoices):
    """The township's own rating of a cadre's overall quality (综合素养)."""

    GOOD = "good", "好"
    AVERAGE = "average", "中"
    POOR = "poor", "差"


class SourceCategory(models.TextChoices):
    ENTREPRENEUR = "entrepreneur", "致富带头人"
    RETURNED_MIGRANT = "returned_migrant", "外出务工返乡"
    COOPERATIVE_HEAD = "cooperative_head", "合作社负责人"
    LOCAL_GRADUATE = "local_graduate", "本土大学生"
    VETERAN = "veteran", "退役军人"
    COLLEGE_GRADUATE_OFFICIAL = "college_graduate_official", "大学生村官"
    RETIRED_OFFICIAL = "retired_official", "机关离退休回村"
    OTHER = "other", "其他"


class CadreSource(models.TextChoices):
    """干部来源 of a post holder (the 民政 换届 statistics form's sources; docs/domain.md §10)."""

    VILLAGER = "villager", "村民"
    ECONOMIC_ORG_HEAD = "economic_org_head", "经济组织负责人"
    RETURNEE = "returnee", "返乡人员"
    DISPATCHED_CADRE = "dispatched_cadre", "机关下派"
    COLLEGE_GRADUATE = "college_graduate", "高校毕业生"
    COLLEGE_GRADUATE_OFFICIAL = "college_graduate_official", "大学生村官"
    VETERAN = "veteran", "退役军人"
    RETIRED = "retired", "离岗退休"
    INDUSTRY_ASSOCIATION_HEAD = "industry_association_head", "产业协会负责人"


class Relation(models.TextChoices):
    """How a recorded relative is related to the person (家庭成员及社会关系). Which of these count as 近亲属 for the
    监委会 rule is a county rule value (`near_relatives`, villages/rules.py)."""

    SPOUSE = "spouse", "配偶"
    PARENT = "parent", "父母"
    CHILD = "child", "子女"
    GRANDPARENT = "grandparent", "祖父母/外祖父母"
    GRANDCHILD = "grandchild", "孙子女/外孙子女"
    SIBLING = "sibling", "兄弟姐妹"
    UNCLE_AUNT = "uncle_aunt", "伯叔姑舅姨"
    NEPHEW_NIECE = "nephew_niece", "侄子女/外甥子女"
    COUSIN = "cousin", "堂表兄弟姐妹"
    PARENT_IN_LAW = "parent_in_law", "配偶的父母"
    CHILD_IN_LAW = "child_in_law", "子女的配偶"
    SIBLING_IN_LAW = "sibling_in_law", "兄弟姐妹的配偶/配偶的兄弟姐妹"
    OTHER = "other", "其他"


class PartyOrgType(models.TextChoices):
    BRANCH = "branch", "党支部"
    GENERAL_BRANCH = "general_branch", "党总支"
    COMMITTEE = "committee", "党委"


class Role(models.TextChoices):
    PROVINCE_ADMIN = "province_admin", "省委组织部"
    CITY_ADMIN = "city_admin", "市委组织部"
    COUNTY_STAFF = "county_staff", "县委组织部"
    TOWNSHIP_SECRETARY = "township_secretary", "乡镇党委书记"


class Severity(models.TextChoices):
    AMBER = "amber", "黄色"
    RED = "red", "红色"


class PersonFlag(models.TextChoices):
    HIGH_AGE = "high_age", "年龄高"
    LOW_EDUCATION = "low_education", "学历低"
    LOW_QUALITY = "low_quality", "综合素养低"
    TWO_LOWS_ONE_HIGH = "two_lows_one_high", "两低一高"


class VillageFlag(models.TextChoices):
    TWO_LOWS_ONE_HIGH_VILLAGE = "two_lows_one_high_village", "村级两低一高"
    NO_YOUNG_MEMBER = "no_young_member", "无35岁以下成员"
    SECRETARY_OVER_AGE_AT_ELECTION = "secretary_over_age_at_election", "书记换届时超龄"
    NO_SECRETARY_RESERVE = "no_secretary_reserve", "书记无后备"
    RESERVE_SHORTFALL = "reserve_shortfall", "后备干部不足"
    VACANT_OR_ACTING_POST = "vacant_or_acting_post", "关键岗位空缺或代理"
    NO_NEW_PARTY_MEMBER = "no_new_party_member", "长期未发展党员"
    GROUP_LEADERS_UNABLE = "group_leaders_unable", "社长难以履职"
    NO_WOMAN_ON_COMMITTEE = "no_woman_on_committee", "村委会无女性"
    # Compliance checks (村民委员会组织法 Art. 32–33; villages/risk/compliance.py).
    SUPERVISION_CONFLICT = "supervision_conflict", "监委会成员为村委会成员或其近亲属"
    SECRETARY_CHAIRS_SUPERVISION = "secretary_chairs_supervision", "书记兼任监委会主任"
    SUPERVISION_SIZE = "supervision_size", "监委会人数不符"
    INCOMPETENT_TWICE = "incompetent_twice", "连续两年不称职"


def flag_label(kind: str) -> str:
    """The Chinese label of a person or village rule key (the key itself if it is neither)."""
    for flags in (PersonFlag, VillageFlag, BenchRiskKind, ReviewRiskKind, AfterElectionRiskKind):
        if kind in flags.values:
            return str(flags(kind).label)
    return kind


class BenchRiskKind(models.TextChoices):
    """Risk kinds found by the reserves app (reserves/mentoring.py, reserves/standing.py), a layer above the engine."""

    MENTOR_MISSING = "mentor_missing", "未按时明确帮带人"
    TALK_OVERDUE = "talk_overdue", "谈心谈话逾期"
    RESERVE_INELIGIBLE = "reserve_ineligible", "后备干部不再符合条件"


class ReviewRiskKind(models.TextChoices):
    """Risk kinds found by the qualification review (reserves/reviews/queue.py), a layer above the risk engine."""

    REVIEW_NOT_PASSED = "review_not_passed", "候选人未通过联审"
    REVIEW_OPINION_OVERDUE = "review_opinion_overdue", "联审意见逾期"


class AfterElectionRiskKind(models.TextChoices):
    """Risk kinds found by the work after an election (reserves/after_risks.py), a layer above the engine."""

    FILING_PENDING = "filing_pending", "备案未完成"
    AFTERCARE_OVERDUE = "aftercare_overdue", "换届后续工作逾期"


class ReviewStatus(models.TextChoices):
    """A risk's place in the loop: county assigns (open/in_progress), the township answers (rectified), the
    county confirms (resolved) or sends it back (in_progress); accepted = the county accepts the risk, with a reason."""

    OPEN = "open", "待处理"
    IN_PROGRESS = "in_progress", "处理中"
    RECTIFIED = "rectified", "已整改待核"
    ACCEPTED = "accepted", "已认可"
    RESOLVED = "resolved", "已解决"


# Statuses that still wait for the owner's action (a due date can be missed only in these).
AWAITING_ACTION: frozenset[str] = frozenset({ReviewStatus.OPEN, ReviewStatus.IN_PROGRESS})


class AccountAction(models.TextChoices):
    """What an account change did (villages.models.AccountEvent)."""

    CREATED = "created", "新建账号"
    DEACTIVATED = "deactivated", "停用"
    REACTIVATED = "reactivated", "启用"
    PASSWORD_RESET = "password_reset", "重置密码"
    SCOPE_CHANGED = "scope_changed", "变更角色或范围"
    RENAMED = "renamed", "修改姓名"


class ReserveStatus(models.TextChoices):
    """A reserve cadre's status; here (core) because the risk rules count active reserves."""

    ACTIVE = "active", "在库"
    APPOINTED = "appointed", "已任用"
    WITHDRAWN = "withdrawn", "退出"


def counting_reserve(prefix: str = "") -> Q:
    """A reserve that counts for 一职一备 (no_secretary_reserve), the reserve count and coverage: active, the person
    not deleted, and eligible under the county's rules (`eligible`, kept true by reserves/standing.py) or kept with a
    recorded reason. `prefix` reaches the reserve from another model (e.g. "reserves__" from a village); the risk
    engine sits below the reserves app and names its fields through this one condition."""
    return Q(**{f"{prefix}status": ReserveStatus.ACTIVE, f"{prefix}person__deleted_at__isnull": True}) & (
        Q(**{f"{prefix}eligible": True}) | Q(**{f"{prefix}eligibility_override_reason__gt": ""})
    )
