"""The rules in ``rules/*.yaml`` turned into validated, typed objects.

Every problem in every file is collected and reported at once (file, key path, what is wrong),
before any input is read. The rules' fingerprint (a hash of the three files) goes into every
report so a result can be traced to the policy that produced it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

import yaml

from aidmatch.errors import ConfigError, ConfigProblems, raise_if_any
from aidmatch.normalize.values import header_label
from aidmatch.semester import Semester

RULE_FILES = ("sources.yaml", "policy.yaml", "programmes.yaml")
# Optional: a rules folder made before linkage.yaml existed links with the defaults (Linkage()).
OPTIONAL_RULE_FILES = ("linkage.yaml",)
# The review's decisions per finding: read with the rules (``aidmatch rules check`` validates it),
# not part of the fingerprint (they do not change what a reconciliation finds); a rules folder
# without it takes the shipped one.
REVIEW_FILE = "review.yaml"
# Excel keeps an in-cell list's values in one formula of at most 255 characters.
EXCEL_LIST_LIMIT = 250
# The 漏助 decision slips print for (aidmatch.slips.data.APPROVED): every 漏助 list needs it.
APPROVED_GAP = "已补录资助"
# The probabilistic linkage's blocking keys (see link/blocking.py); linkage.yaml picks among them.
BLOCKING_KEYS = ("id_window", "prefix_window", "family_id", "birth_county", "pinyin_birth",
                 "household", "school_surname", "exact_leftover")
Scope = Literal["person", "household", "parent"]
SCOPES: tuple[Scope, ...] = ("person", "household", "parent")
GroupUse = Literal["persons", "family"]
FamilyRoute = Literal["gap", "candidate", "off"]
FAMILY_ROUTES: tuple[FamilyRoute, ...] = ("gap", "candidate", "off")
DEFAULT_FAMILY_ROUTE: FamilyRoute = "candidate"  # a group that does not say

# Fields the engine reads; sources.yaml may name only these (a typo is caught, not ignored).
KNOWN_FIELDS = frozenset(
    [
        "name", "id_number", "id_type", "birth_date", "sex", "county", "town", "village",
        "household_id", "person_no", "relation", "head_name", "head_id_number", "student_no", "status",
        "boarding", "grade", "class_name", "school", "school_code", "stage", "school_year", "term",
        "pay_date", "programme", "amount", "pay_method", "household_type", "monitor_type",
        "risk_eliminated", "policy_status", "student_status", "category", "security_status",
        "members_count", "monthly_amount", "start_date", "end_date", "guardian_name",
        "guardian_id_number", "guardian_flag", "cert_no", "disability_category", "disability_grade", "serial",
        "poverty_year", "care_category",
    ]
)


def excludable_fields() -> frozenset[str]:
    """The fields ``exclude_when`` may name: the text columns a loaded roster row keeps (a date,
    amount or flag column cannot be searched for words; a field the loaders drop is not there)."""
    from aidmatch.sources.base import RECORD_SCHEMA  # the loaders read these rules' types

    return frozenset(f.name for f in RECORD_SCHEMA
                     if f.name in KNOWN_FIELDS and str(f.type) == "string")


@dataclass(frozen=True)
class SourceDef:
    kind: str
    label: str
    system: str
    keywords: tuple[str, ...]
    required: tuple[tuple[str, ...], ...]  # each inner tuple: one of these fields
    signature: tuple[str, ...]
    groups: GroupUse | None
    categories: Mapping[str, tuple[str, ...]]
    category_fields: tuple[str, ...]
    category_when_filled: Mapping[str, str]
    # A roster only some counties receive (优抚对象): a run without it is not warned of it.
    optional: bool


@dataclass(frozen=True)
class SourceRules:
    version: str
    synonyms: Mapping[str, str]  # normalised header label → field
    patterns: tuple[tuple[re.Pattern[str], str], ...]  # tried in order for unlisted headers
    field_labels: Mapping[str, str]  # field → its first (display) synonym
    head_words: tuple[str, ...]
    member_words: tuple[str, ...]
    named_groups: Mapping[str, str]  # column prefix (父亲) → the relation it implies
    group_fields: frozenset[str]
    sources: Mapping[str, SourceDef]
    total_row_words: tuple[str, ...]
    footer_row_words: tuple[str, ...]


@dataclass(frozen=True)
class GroupRule:
    id: str
    label: str
    source: str
    categories: tuple[str, ...]  # empty: every row of the source
    scope: Scope
    exclude_when: Mapping[str, tuple[str, ...]]
    exclude_if_ended_before_semester: bool
    enabled: bool
    # A row whose start date (保障开始日期, 纳入日期 …) is after the semester ends is not counted.
    exclude_if_started_after_semester: bool
    # A student not on the roster whose registry family member is, in a household the roster
    # lists completely: gap, candidate (家庭成员在册，本人未在册, a case to check) or off.
    family_member_route: FamilyRoute


@dataclass(frozen=True)
class Policy:
    version: str
    groups: Mapping[str, GroupRule]
    registry_parent_relations: tuple[str, ...]
    household_parents: Mapping[str, tuple[str, ...]]
    enrolled_status: tuple[str, ...]
    # Only the loader builds a Policy: a relation list policy.yaml leaves out is empty (no second
    # default here that rules check would not show).
    registry_guardian_relations: tuple[str, ...]
    grandparent_relations: tuple[str, ...]
    guardian_yes: tuple[str, ...]
    guardian_no: tuple[str, ...]
    spouse_relations: tuple[str, ...]
    # A registry row that names no parent and marks nobody 是否监护人 lists its grandparents as
    # the child's guardians (the registry's 家庭成员或监护人 columns hold whoever raises the child).
    grandparents_guard_when_no_parent_listed: bool

    @property
    def enabled_groups(self) -> list[GroupRule]:
        return [g for g in self.groups.values() if g.enabled]


@dataclass(frozen=True)
class Rate:
    start: Semester
    amount: Decimal | None  # None: set locally (按当地标准)


@dataclass(frozen=True)
class Programme:
    id: str
    label: str
    stage: str
    boarding: bool | None
    groups: tuple[str, ...]  # empty: every key group
    rates: tuple[Rate, ...]
    names: tuple[str, ...] = ()  # what payment lists call it besides the label

    def rate_for(self, semester: Semester) -> Rate | None:
        """The rate in force in ``semester``: the latest whose start is not after it."""
        in_force = [r for r in self.rates if r.start <= semester]
        return max(in_force, key=lambda r: r.start) if in_force else None


@dataclass(frozen=True)
class Stage:
    name: str
    grades: tuple[str, ...]
    school_words: tuple[str, ...]


@dataclass(frozen=True)
class Programmes:
    version: str
    stages: Mapping[str, Stage]
    stage_match_order: tuple[str, ...]
    day_words: tuple[str, ...]
    boarding_words: tuple[str, ...]
    programmes: Mapping[str, Programme]


@dataclass(frozen=True)
class Linkage:
    """linkage.yaml: thresholds (bits) and blocking of the probabilistic linkage."""

    version: str = "default"
    accept: float = 14.0
    review: float = 6.0
    margin: float = 6.0
    blocking_keys: tuple[str, ...] = BLOCKING_KEYS
    max_block_size: int = 300
    random_pairs: int = 50_000
    seed: int = 20250301
    max_iterations: int = 200


@dataclass(frozen=True)
class FindingReview:
    """One finding's review: what a county may record, what a school checks and brings back."""

    decisions: tuple[str, ...]
    school_check: str = ""
    school_return: str = ""
    # A finding about payments whose slips are marked 暂缓发放 until the county decides one of
    # these (None: its payments print as usual).
    slips_release: tuple[str, ...] | None = None


_DEFAULT_REVIEW = FindingReview(("已更正", "无需处理", "待核实"), "核对学生本学期的在读情况和本项所列问题。",
                                "能说明情况的材料复印件。")


@dataclass(frozen=True)
class ReviewRules:
    """rules/review.yaml: per finding (by its label), its review; ``default`` for the others."""

    version: str = "?"
    open: str = "待核实"  # not decided yet
    default_review: FindingReview = _DEFAULT_REVIEW
    by_finding: Mapping[str, FindingReview] = field(default_factory=dict)

    def review(self, finding_label: str) -> FindingReview:
        return self.by_finding.get(finding_label, self.default_review)

    def decisions(self, finding_label: str) -> tuple[str, ...]:
        """The decisions a sheet of this finding offers (a finding not listed: the default's)."""
        return self.review(finding_label).decisions

    @property
    def default(self) -> tuple[str, ...]:
        return self.default_review.decisions


@dataclass(frozen=True)
class Rules:
    directory: Path
    sources: SourceRules
    policy: Policy
    programmes: Programmes
    fingerprint: str
    version: str = field(default="")
    linkage: Linkage = field(default_factory=Linkage)
    review: ReviewRules = field(default_factory=ReviewRules)


def default_rules_dir() -> Path:
    """The default rules: the copy shipped inside the installed package (``aidmatch/rules`` in a
    wheel), else the project's ``rules/`` next to ``src/`` in a checkout (an editable install)."""
    here = Path(__file__).resolve().parent
    if (here / "rules" / "policy.yaml").exists():
        return here / "rules"
    for parent in here.parents:
        candidate = parent / "rules"
        if (candidate / "policy.yaml").exists():
            return candidate
    return here / "rules"


class _Checker:
    """Collects problems while reading one rules file."""

    def __init__(self, file: str, references_known: bool = True) -> None:
        self.file = file
        # False when the file this one refers to could not be read: its names cannot be checked.
        self.references_known = references_known
        self.problems: list[ConfigError] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(ConfigError(f"{path}：{message}", file=self.file))

    def mapping(self, value: Any, path: str) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem(path, "应为「键: 值」形式的表")
            return {}
        return {str(k): v for k, v in value.items()}

    def words(self, value: Any, path: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
            self.problem(path, "应为文字列表，例如 [低保, 特困]")
            return ()
        return tuple(str(v) for v in value)

    def only_keys(self, table: dict[str, Any], allowed: set[str], path: str) -> None:
        for key in table:
            if key not in allowed:
                self.problem(f"{path}.{key}" if path else key,
                             f"未知的设置项（可用：{'、'.join(sorted(allowed))}）")

    def text(self, value: Any, path: str, default: str = "") -> str:
        if value is None:
            return default
        if not isinstance(value, str | int | float):
            self.problem(path, "应为文字")
            return default
        return str(value)


def _read_yaml(path: Path, problems: list[ConfigError]) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.append(ConfigError("规则文件不存在", file=str(path)))
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(ConfigError(f"无法读取规则文件（{exc}）", file=str(path)))
        return {}
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        problems.append(ConfigError(f"YAML 格式错误：{getattr(exc, 'problem', exc)}",
                                    file=str(path), row=row,
                                    hint="检查缩进和冒号，列表写成 [a, b]。"))
        return {}
    if data is None:
        return {}
    if not isinstance(data, dict):
        problems.append(ConfigError("文件内容应为「键: 值」形式的表", file=str(path)))
        return {}
    return data


def load_rules(directory: Path | None = None) -> Rules:
    """Read and validate ``sources.yaml``, ``policy.yaml``, ``programmes.yaml``, ``linkage.yaml``."""
    directory = Path(directory) if directory is not None else default_rules_dir()
    problems: list[ConfigError] = []
    if not directory.is_dir():
        raise ConfigError("规则目录不存在", file=str(directory),
                          hint="用 --rules 指向含 sources.yaml、policy.yaml、programmes.yaml 的目录。")
    raw: dict[str, dict[str, Any]] = {}
    unreadable: set[str] = set()
    for name in RULE_FILES:
        before = len(problems)
        raw[name] = _read_yaml(directory / name, problems)
        if len(problems) > before:
            unreadable.add(name)
    digest = hashlib.sha256()
    for name in OPTIONAL_RULE_FILES:
        before = len(problems)
        raw[name] = _read_yaml(directory / name, problems) if (directory / name).exists() else {}
        if len(problems) > before:
            unreadable.add(name)
    for name in RULE_FILES + OPTIONAL_RULE_FILES:
        path = directory / name
        if path.exists():
            digest.update(path.read_bytes())

    # A file that cannot be read is reported and its dependants are checked as far as they can
    # be: every problem is listed in one go.
    sources_check = _Checker(str(directory / "sources.yaml"))
    sources = _parse_sources(raw["sources.yaml"], sources_check)
    policy_check = _Checker(str(directory / "policy.yaml"),
                            references_known="sources.yaml" not in unreadable)
    policy = _parse_policy(raw["policy.yaml"], sources, policy_check)
    programmes_check = _Checker(str(directory / "programmes.yaml"),
                                references_known="policy.yaml" not in unreadable)
    programmes = _parse_programmes(raw["programmes.yaml"], policy, programmes_check)
    linkage_check = _Checker(str(directory / "linkage.yaml"))
    linkage = (_parse_linkage(raw["linkage.yaml"], linkage_check)
               if (directory / "linkage.yaml").exists() else Linkage())
    review_path = directory / REVIEW_FILE
    if not review_path.exists():
        review_path = default_rules_dir() / REVIEW_FILE
    before = len(problems)
    raw[REVIEW_FILE] = _read_yaml(review_path, problems) if review_path.exists() else {}
    if len(problems) > before:
        unreadable.add(REVIEW_FILE)
    review_check = _Checker(str(review_path))
    review = _parse_review(raw[REVIEW_FILE], review_check)
    for name, check in (("sources.yaml", sources_check), ("policy.yaml", policy_check),
                        ("programmes.yaml", programmes_check), ("linkage.yaml", linkage_check),
                        (REVIEW_FILE, review_check)):
        if name in unreadable:
            check.problems.clear()  # the YAML error already says what is wrong
    raise_if_any(
        problems + sources_check.problems + policy_check.problems + programmes_check.problems
        + linkage_check.problems + review_check.problems,
        "规则有误，请逐条修改后重试",
        ConfigProblems,
    )
    return Rules(
        directory=directory,
        sources=sources,
        policy=policy,
        programmes=programmes,
        linkage=linkage,
        review=review,
        fingerprint=digest.hexdigest()[:12],
        version=(f"sources {sources.version} · policy {policy.version} · "
                 f"programmes {programmes.version} · linkage {linkage.version}"),
    )


def _field_list(check: _Checker, value: Any, path: str) -> tuple[str, ...]:
    fields = check.words(value, path)
    for name in fields:
        if name not in KNOWN_FIELDS:
            check.problem(path, f"未知字段「{name}」")
    return fields


def _parse_sources(data: dict[str, Any], check: _Checker) -> SourceRules:
    check.only_keys(data, {"version", "fields", "header_patterns", "groups", "sources",
                           "total_row_words", "footer_row_words"}, "")
    synonyms: dict[str, str] = {}
    field_labels: dict[str, str] = {}
    for name, words in check.mapping(data.get("fields"), "fields").items():
        if name not in KNOWN_FIELDS:
            check.problem(f"fields.{name}", "未知字段名（字段名是程序使用的英文名，不能自造）")
            continue
        labels = check.words(words, f"fields.{name}")
        if not labels:
            check.problem(f"fields.{name}", "至少需要一个表头写法")
            continue
        field_labels[name] = labels[0]
        for label in labels:
            normal = header_label(label)
            other = synonyms.get(normal)
            if other is not None and other != name:
                check.problem(f"fields.{name}", f"表头「{label}」同时出现在 {other} 和 {name} 中")
            synonyms[normal] = name

    patterns: list[tuple[re.Pattern[str], str]] = []
    raw_patterns = data.get("header_patterns") or []
    if not isinstance(raw_patterns, list):
        check.problem("header_patterns", "应为 [正则表达式, 字段] 的列表")
        raw_patterns = []
    for i, item in enumerate(raw_patterns, 1):
        path = f"header_patterns[{i}]"
        if not (isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) for x in item)):
            check.problem(path, "应写成 [正则表达式, 字段]")
            continue
        pattern, name = item
        if name not in KNOWN_FIELDS:
            check.problem(path, f"未知字段「{name}」")
            continue
        try:
            patterns.append((re.compile(pattern), name))
        except re.error as exc:
            check.problem(path, f"正则表达式有误（{exc}）")

    groups = check.mapping(data.get("groups"), "groups")
    check.only_keys(groups, {"head", "member", "named", "group_fields"}, "groups")
    named_groups = {str(k): check.text(v, f"groups.named.{k}")
                    for k, v in check.mapping(groups.get("named"), "groups.named").items()}
    group_fields = frozenset(_field_list(check, groups.get("group_fields"), "groups.group_fields"))

    sources: dict[str, SourceDef] = {}
    for kind, spec in check.mapping(data.get("sources"), "sources").items():
        path = f"sources.{kind}"
        table = check.mapping(spec, path)
        check.only_keys(table, {"label", "system", "keywords", "required", "signature", "groups",
                                "categories", "category_fields", "category_when_filled",
                                "optional"}, path)
        optional = table.get("optional", False)
        if not isinstance(optional, bool):
            check.problem(f"{path}.optional", "只能是 true 或 false")
        required: list[tuple[str, ...]] = []
        for i, item in enumerate(table.get("required") or []):
            options = _field_list(check, item, f"{path}.required[{i + 1}]")
            if options:
                required.append(options)
        if not required:
            check.problem(f"{path}.required", "至少需要一个必填字段")
        group_use = table.get("groups")
        if group_use not in (None, "persons", "family"):
            check.problem(f"{path}.groups", "只能是 persons 或 family")
            group_use = None
        categories = {
            str(cat): check.words(words, f"{path}.categories.{cat}")
            for cat, words in check.mapping(table.get("categories"), f"{path}.categories").items()
        }
        when_filled: dict[str, str] = {}
        for name, category in check.mapping(table.get("category_when_filled"),
                                            f"{path}.category_when_filled").items():
            if name not in KNOWN_FIELDS:
                check.problem(f"{path}.category_when_filled.{name}", "未知字段")
            elif str(category) not in categories:
                check.problem(f"{path}.category_when_filled.{name}", f"未定义的类别「{category}」")
            else:
                when_filled[name] = str(category)
        sources[kind] = SourceDef(
            kind=kind,
            label=check.text(table.get("label"), f"{path}.label", kind),
            system=check.text(table.get("system"), f"{path}.system", ""),
            keywords=check.words(table.get("keywords"), f"{path}.keywords"),
            required=tuple(required),
            signature=_field_list(check, table.get("signature"), f"{path}.signature"),
            groups=group_use,
            categories=categories,
            category_fields=_field_list(check, table.get("category_fields"),
                                        f"{path}.category_fields"),
            category_when_filled=when_filled,
            optional=optional is True,
        )
        for needed in {f for options in required for f in options} | set(sources[kind].signature):
            if needed in KNOWN_FIELDS and needed not in field_labels and needed not in (
                "head_name", "head_id_number"):
                check.problem(path, f"字段「{needed}」没有在 fields 中给出表头写法")
    for needed_kind in ("registry", "aid"):
        if needed_kind not in sources:
            check.problem("sources", f"缺少 {needed_kind}（学籍名单和资助名单是对比的基础）")
    return SourceRules(
        version=check.text(data.get("version"), "version", "?"),
        synonyms=synonyms,
        patterns=tuple(patterns),
        field_labels=field_labels,
        head_words=check.words(groups.get("head"), "groups.head"),
        member_words=check.words(groups.get("member"), "groups.member"),
        named_groups=named_groups,
        group_fields=group_fields,
        sources=sources,
        total_row_words=check.words(data.get("total_row_words"), "total_row_words"),
        footer_row_words=check.words(data.get("footer_row_words"), "footer_row_words"),
    )


def _parse_policy(data: dict[str, Any], sources: SourceRules, check: _Checker) -> Policy:
    check.only_keys(data, {"version", "groups", "parents", "enrolled_status"}, "")
    groups: dict[str, GroupRule] = {}
    for group_id, spec in check.mapping(data.get("groups"), "groups").items():
        path = f"groups.{group_id}"
        table = check.mapping(spec, path)
        check.only_keys(table, {"label", "source", "categories", "scope", "exclude_when",
                                "exclude_if_ended_before_semester",
                                "exclude_if_started_after_semester", "enabled",
                                "family_member_route"}, path)
        source = check.text(table.get("source"), f"{path}.source")
        source_def = sources.sources.get(source)
        if source_def is None and check.references_known:
            check.problem(f"{path}.source", f"未知名单「{source}」（可用：{'、'.join(sources.sources)}）")
        categories = check.words(table.get("categories"), f"{path}.categories")
        if source_def is not None:
            for category in categories:
                if category not in source_def.categories:
                    check.problem(f"{path}.categories",
                                  f"名单 {source} 没有类别「{category}」"
                                  f"（sources.yaml 中有：{'、'.join(source_def.categories) or '无'}）")
        scope = table.get("scope", "person")
        if scope not in SCOPES:
            check.problem(f"{path}.scope", f"写的是「{scope}」，只能是 person、household 或 parent")
            scope = "person"
        exclude: dict[str, tuple[str, ...]] = {}
        excludable = excludable_fields()
        for name, words in check.mapping(table.get("exclude_when"), f"{path}.exclude_when").items():
            if name not in excludable:
                check.problem(f"{path}.exclude_when.{name}",
                              f"{'未知字段' if name not in KNOWN_FIELDS else '字段不能用于排除条件'}"
                              f"（可用：{'、'.join(sorted(excludable))}）")
                continue
            exclude[name] = check.words(words, f"{path}.exclude_when.{name}")
        route = table.get("family_member_route", DEFAULT_FAMILY_ROUTE)
        if route not in FAMILY_ROUTES:
            check.problem(f"{path}.family_member_route",
                          f"写的是「{route}」，只能是 gap（列为漏助）、candidate（列为待核实："
                          "家庭成员在册，本人未在册）或 off（不列出）")
            route = DEFAULT_FAMILY_ROUTE
        enabled = table.get("enabled", True)
        ended = table.get("exclude_if_ended_before_semester", False)
        started = table.get("exclude_if_started_after_semester", False)
        for flag_name, flag in (("enabled", enabled), ("exclude_if_ended_before_semester", ended),
                                ("exclude_if_started_after_semester", started)):
            if not isinstance(flag, bool):
                check.problem(f"{path}.{flag_name}", "只能是 true 或 false")
        groups[group_id] = GroupRule(
            id=group_id,
            label=check.text(table.get("label"), f"{path}.label", group_id),
            source=source,
            categories=categories,
            scope=scope,
            exclude_when=exclude,
            exclude_if_ended_before_semester=bool(ended),
            exclude_if_started_after_semester=bool(started),
            enabled=bool(enabled),
            family_member_route=route,
        )
    if not groups:
        check.problem("groups", "至少需要一个重点群体")
    parents = check.mapping(data.get("parents"), "parents")
    check.only_keys(parents, {"registry_relations", "guardian_relations", "grandparent_relations",
                              "guardian_yes", "guardian_no", "spouse_relations",
                              "household_parents", "grandparents_guard_when_no_parent_listed"},
                     "parents")
    sole_grandparents = parents.get("grandparents_guard_when_no_parent_listed", True)
    if not isinstance(sole_grandparents, bool):
        check.problem("parents.grandparents_guard_when_no_parent_listed", "只能是 true 或 false")
    relation_lists = {key: check.words(parents.get(key), f"parents.{key}")
                      for key in ("registry_relations", "guardian_relations",
                                  "grandparent_relations", "guardian_yes", "guardian_no",
                                  "spouse_relations")}
    _check_relation_words(relation_lists, check)
    household_parents = {
        str(child): check.words(words, f"parents.household_parents.{child}")
        for child, words in check.mapping(parents.get("household_parents"),
                                          "parents.household_parents").items()
    }
    enrolled = check.words(data.get("enrolled_status"), "enrolled_status")
    if not enrolled:
        check.problem("enrolled_status", "需要列出表示「在读」的学籍状态，例如 [在读]")
    return Policy(
        version=check.text(data.get("version"), "version", "?"),
        groups=groups,
        registry_parent_relations=relation_lists["registry_relations"],
        household_parents=household_parents,
        enrolled_status=enrolled,
        registry_guardian_relations=relation_lists["guardian_relations"],
        grandparent_relations=relation_lists["grandparent_relations"],
        guardian_yes=relation_lists["guardian_yes"],
        guardian_no=relation_lists["guardian_no"],
        spouse_relations=relation_lists["spouse_relations"],
        grandparents_guard_when_no_parent_listed=sole_grandparents is True,
    )


def _check_relation_words(lists: Mapping[str, tuple[str, ...]], check: _Checker) -> None:
    """Relation words are compared whole, without a leading 之: a word that starts with 之 would
    never match, and a grandparent word among the parents' would make every grandparent a parent;
    a 是否监护人 word cannot mean both yes and no."""
    for key, words in lists.items():
        for word in words:
            if not word.strip() or word.startswith("之"):
                check.problem(f"parents.{key}",
                              f"「{word}」不能为空或以「之」开头：关系词去掉开头的「之」后整词比较")
    for key in ("registry_relations", "guardian_relations"):
        both = set(lists[key]) & set(lists["grandparent_relations"])
        if both:
            check.problem(f"parents.{key}",
                          f"「{'、'.join(sorted(both))}」也列在 grandparent_relations 中："
                          "祖辈只有登记为监护人时才算，不能列为父母或监护人的称谓")
    both = set(lists["guardian_yes"]) & set(lists["guardian_no"])
    if both:
        check.problem("parents.guardian_yes",
                      f"「{'、'.join(sorted(both))}」同时列在 guardian_yes 和 guardian_no 中")
    if not lists["registry_relations"]:
        check.problem("parents.registry_relations", "需要列出表示父母的称谓，例如 [父亲, 母亲]")


def _parse_programmes(data: dict[str, Any], policy: Policy, check: _Checker) -> Programmes:
    check.only_keys(data, {"version", "stages", "stage_match_order", "day_words",
                           "boarding_words", "programmes"}, "")
    stages: dict[str, Stage] = {}
    for name, spec in check.mapping(data.get("stages"), "stages").items():
        table = check.mapping(spec, f"stages.{name}")
        check.only_keys(table, {"grades", "school_words"}, f"stages.{name}")
        stages[name] = Stage(name, check.words(table.get("grades"), f"stages.{name}.grades"),
                             check.words(table.get("school_words"), f"stages.{name}.school_words"))
    order = check.words(data.get("stage_match_order"), "stage_match_order") or tuple(stages)
    for name in order:
        if name not in stages:
            check.problem("stage_match_order", f"未定义的学段「{name}」")
    programmes: dict[str, Programme] = {}
    for prog_id, spec in check.mapping(data.get("programmes"), "programmes").items():
        path = f"programmes.{prog_id}"
        table = check.mapping(spec, path)
        check.only_keys(table, {"label", "names", "stage", "boarding", "groups", "rates"}, path)
        stage = check.text(table.get("stage"), f"{path}.stage")
        if stage not in stages:
            check.problem(f"{path}.stage", f"未定义的学段「{stage}」（可用：{'、'.join(stages)}）")
        boarding = table.get("boarding")
        if boarding is not None and not isinstance(boarding, bool):
            check.problem(f"{path}.boarding", "只能是 true、false 或不写")
            boarding = None
        groups = check.words(table.get("groups"), f"{path}.groups")
        for group in groups:
            if group not in policy.groups and check.references_known:
                check.problem(f"{path}.groups", f"未知的重点群体「{group}」")
        rates: list[Rate] = []
        raw_rates = table.get("rates")
        if not isinstance(raw_rates, list) or not raw_rates:
            check.problem(f"{path}.rates", "至少需要一条标准，例如 - {from: 2024-spring, amount: 625}")
            raw_rates = []
        for i, item in enumerate(raw_rates):
            rate_path = f"{path}.rates[{i + 1}]"
            rate = check.mapping(item, rate_path)
            check.only_keys(rate, {"from", "amount"}, rate_path)
            start = Semester.try_parse(str(rate.get("from", "")))
            if start is None:
                check.problem(f"{rate_path}.from", f"无法识别学期「{rate.get('from')}」")
                continue
            amount_value = rate.get("amount")
            amount: Decimal | None = None
            if amount_value is not None:
                try:
                    amount = Decimal(str(amount_value))
                except InvalidOperation:
                    check.problem(f"{rate_path}.amount", f"金额「{amount_value}」不是数字")
                    continue
                if not amount.is_finite():
                    check.problem(f"{rate_path}.amount", f"金额「{amount_value}」不是有限的数")
                    continue
                if amount < 0:
                    check.problem(f"{rate_path}.amount", "金额不能为负数")
                    continue
            rates.append(Rate(start, amount))
        starts = [r.start for r in rates]
        if len(set(starts)) != len(starts):
            check.problem(f"{path}.rates", "同一学期开始的标准出现了两次")
        programmes[prog_id] = Programme(
            id=prog_id,
            label=check.text(table.get("label"), f"{path}.label", prog_id),
            stage=stage,
            boarding=boarding,
            groups=groups,
            rates=tuple(sorted(rates, key=lambda r: r.start)),
            names=check.words(table.get("names"), f"{path}.names"),
        )
    return Programmes(
        version=check.text(data.get("version"), "version", "?"),
        stages=stages,
        stage_match_order=order,
        day_words=check.words(data.get("day_words"), "day_words"),
        boarding_words=check.words(data.get("boarding_words"), "boarding_words"),
        programmes=programmes,
    )


def _number(check: _Checker, table: dict[str, Any], key: str, path: str, default: float,
            low: float, high: float, integer: bool = False) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or (
            integer and not isinstance(value, int)):
        check.problem(f"{path}.{key}", f"应为{'整数' if integer else '数字'}，现为「{value}」")
        return default
    if not low <= value <= high:
        check.problem(f"{path}.{key}", f"应在 {low:g} 到 {high:g} 之间，现为 {value}")
        return default
    return float(value)


def _parse_linkage(data: dict[str, Any], check: _Checker) -> Linkage:
    check.only_keys(data, {"version", "thresholds", "blocking", "estimation"}, "")
    thresholds = check.mapping(data.get("thresholds"), "thresholds")
    check.only_keys(thresholds, {"accept", "review", "margin"}, "thresholds")
    defaults = Linkage()
    accept = _number(check, thresholds, "accept", "thresholds", defaults.accept, -100, 200)
    review = _number(check, thresholds, "review", "thresholds", defaults.review, -100, 200)
    margin = _number(check, thresholds, "margin", "thresholds", defaults.margin, 0, 200)
    if review > accept:
        check.problem("thresholds.review", f"复核线（{review:g}）不能高于接受线（{accept:g}）")
    blocking = check.mapping(data.get("blocking"), "blocking")
    check.only_keys(blocking, {"keys", "max_block_size"}, "blocking")
    keys = check.words(blocking.get("keys"), "blocking.keys") if "keys" in blocking else BLOCKING_KEYS
    for key in keys:
        if key not in BLOCKING_KEYS:
            check.problem("blocking.keys", f"未知的分块键「{key}」（可用：{'、'.join(BLOCKING_KEYS)}）")
    size = _number(check, blocking, "max_block_size", "blocking", defaults.max_block_size,
                   1, 1_000_000, integer=True)
    estimation = check.mapping(data.get("estimation"), "estimation")
    check.only_keys(estimation, {"random_pairs", "seed", "max_iterations"}, "estimation")
    return Linkage(
        version=check.text(data.get("version"), "version", "?"),
        accept=accept, review=review, margin=margin,
        blocking_keys=tuple(k for k in keys if k in BLOCKING_KEYS),
        max_block_size=int(size),
        random_pairs=int(_number(check, estimation, "random_pairs", "estimation",
                                 defaults.random_pairs, 1000, 100_000_000, integer=True)),
        seed=int(_number(check, estimation, "seed", "estimation", defaults.seed, 0, 2**31,
                         integer=True)),
        max_iterations=int(_number(check, estimation, "max_iterations", "estimation",
                                   defaults.max_iterations, 1, 10_000, integer=True)),
    )


def _decision_list(check: _Checker, value: Any, path: str, open_value: str) -> tuple[str, ...]:
    """One finding's decisions: words, none twice, the open value among them, fit for an Excel
    drop-down (no ASCII comma, the whole list within Excel's limit)."""
    decisions = tuple(d.strip() for d in check.words(value, path))
    if not decisions:
        check.problem(path, "应至少列出一个核实结果，例如 [已更正, 待核实]")
        return ()
    for decision in decisions:
        if not decision:
            check.problem(path, "核实结果不能为空")
        if "," in decision:
            check.problem(path, f"核实结果「{decision}」含英文逗号（Excel 下拉列表用它分隔选项），"
                                "请改用中文逗号或删去")
    repeated = sorted({d for d in decisions if decisions.count(d) > 1})
    if repeated:
        check.problem(path, f"核实结果重复：{'、'.join(repeated)}")
    if open_value not in decisions:
        check.problem(path, f"应包含尚未核实的结果「{open_value}」")
    if len(",".join(decisions)) > EXCEL_LIST_LIMIT:
        check.problem(path, f"选项合计 {len(','.join(decisions))} 个字符，超过 Excel 下拉列表的 "
                            f"{EXCEL_LIST_LIMIT} 个字符，请减少或缩短选项")
    return decisions


def _finding_review(check: _Checker, value: Any, path: str, open_value: str,
                    fallback: FindingReview) -> FindingReview:
    """A list (the decisions) or a table of decisions, school_check, school_return."""
    if not isinstance(value, dict):
        return FindingReview(_decision_list(check, value, path, open_value),
                             fallback.school_check, fallback.school_return)
    table = check.mapping(value, path)
    check.only_keys(table, {"decisions", "school_check", "school_return", "slips_release"}, path)
    decisions = (_decision_list(check, table.get("decisions"), f"{path}.decisions", open_value)
                 if "decisions" in table else fallback.decisions)
    release = None
    if "slips_release" in table:
        release = check.words(table.get("slips_release"), f"{path}.slips_release")
        for value in release:
            if value not in decisions:
                check.problem(f"{path}.slips_release",
                              f"「{value}」不是这个核查项目的核实结果（可用：{'、'.join(decisions)}）")
    return FindingReview(
        decisions,
        check.text(table.get("school_check"), f"{path}.school_check", fallback.school_check),
        check.text(table.get("school_return"), f"{path}.school_return", fallback.school_return),
        release)


def _parse_review(data: dict[str, Any], check: _Checker) -> ReviewRules:
    from aidmatch.findings import FINDINGS  # findings reads these rules' types

    check.only_keys(data, {"version", "open", "default", "findings"}, "")
    defaults = ReviewRules()
    open_value = check.text(data.get("open"), "open", defaults.open).strip() or defaults.open
    default = (_finding_review(check, data["default"], "default", open_value, _DEFAULT_REVIEW)
               if "default" in data else _DEFAULT_REVIEW)
    labels = [f.label for f in FINDINGS]
    by_finding: dict[str, FindingReview] = {}
    for label, value in check.mapping(data.get("findings"), "findings").items():
        if label not in labels:
            check.problem(f"findings.{label}", f"未知的核查项目（可用：{'、'.join(labels)}）")
            continue
        by_finding[label] = _finding_review(check, value, f"findings.{label}", open_value, default)
    gaps = FINDINGS[0].label
    if gaps in by_finding and by_finding[gaps].decisions \
            and APPROVED_GAP not in by_finding[gaps].decisions:
        check.problem(f"findings.{gaps}", f"应包含「{APPROVED_GAP}」（aidmatch slips --from approved "
                                          "为核实结果是它的漏助学生打印三联单）")
    return ReviewRules(version=check.text(data.get("version"), "version", "?"), open=open_value,
                       default_review=default if default.decisions else _DEFAULT_REVIEW,
                       by_finding=by_finding)
