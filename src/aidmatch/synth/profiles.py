"""Profiles: every rate the generator uses, as plain frozen dataclasses.

A profile groups four kinds of rate: who lives in the city (:class:`PopulationRates`), how identity
data is damaged in the exports (:class:`DamageRates`), how messy the file layouts are
(:class:`LayoutRates`) and how the aid system pays (:class:`AidRates`). Tests build custom
mixes with :func:`dataclasses.replace`:

>>> from dataclasses import replace
>>> mix = replace(PROFILES["clean"], damage=replace(NO_DAMAGE, id_typo=0.5))
>>> mix.damage.id_typo, mix.layout.title_rows
(0.5, 0.0)
>>> PROFILES["harsh"].damage.id_typo > PROFILES["realistic"].damage.id_typo
True
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class PopulationRates:
    """Who lives in the city and which rosters their households are on."""

    poverty_households: float = 0.135  # 脱贫户 among households with children
    poverty_no_policy: float = 0.05  # 不享受政策 among 脱贫户 (only where a file says so)
    monitored_households: float = 0.03  # 防返贫监测户
    monitored_risk_eliminated: float = 0.40  # 风险是否消除 = 是
    dibao_households: float = 0.06  # 城市/农村低保
    dibao_given_poverty: float = 0.20  # 低保 is much likelier in a 脱贫户
    dibao_stopped: float = 0.10  # 停保
    low_income_households: float = 0.04  # 低收入人口 (not a key group by default)
    orphan_students: float = 0.002
    de_facto_orphan_students: float = 0.003
    orphans_on_tekun: float = 0.3  # orphans also on the 特困供养 roster
    elderly_tekun: float = 0.04  # 特困 among elderly people living alone
    disabled_students: float = 0.008
    disabled_parents: float = 0.015  # per parent: about 3% of children have one
    disabled_elders: float = 0.08
    childless_households: float = 0.5  # roster-only households per household with children
    grandparents_present: float = 0.35
    head_is_grandparent: float = 0.55
    son_in_law: float = 0.08  # the father married in (女婿), the head is the mother's father
    twins: float = 0.01
    minority_names: float = 0.005
    rare_char_names: float = 0.01
    other_region: float = 0.06  # ID issued in another county or province
    old_region_code: float = 0.5  # adults born before 1995 with a 6125xx (商洛地区) ID
    no_id_students: float = 0.003  # 学籍号 'J…', blank ID
    xjh_drift_students: float = 0.002  # 学籍号 'G' + old ID after an ID change
    enrolled: float = 0.96  # 学籍状态 在读
    in_registry: float = 0.96  # school-age children studying in the city


@dataclass(frozen=True)
class DamageRates:
    """Identity damage in roster and aid rows; per file each rate is jittered around its value."""

    id_whitespace: float = 0.02
    id_apostrophe: float = 0.01
    id_fullwidth: float = 0.01
    id_typo: float = 0.01
    id_swap: float = 0.005
    id_parent: float = 0.005
    id_blank: float = 0.015
    id_old15: float = 0.003  # 15-digit old number, adults born before 1985
    id_stale: float = 0.3  # aid rows of a student whose ID changed carry the old ID
    lower_x_files: float = 0.3  # files typing most X check digits as x
    lower_x_share: float = 0.85
    number_files: float = 0.08  # files whose ID column went through Excel as a number
    scientific_share: float = 0.5  # of number CSVs: 6.11022E+17 rather than 611022199001011000
    registry_scale: float = 0.1  # the registry's own student IDs are mostly clean
    member_scale: float = 2.0  # registry family-member IDs are typed by hand
    member_blank: float = 0.08
    name_space: float = 0.02
    name_fullwidth: float = 0.005
    name_traditional: float = 0.01
    name_homophone: float = 0.01
    name_rare: float = 0.6  # of names with a rare character, outside the registry
    dot_variant_files: float = 0.6  # files writing minority names with another dot or none
    cert_extra: float = 0.05  # 残疾人证号 with extra trailing characters
    cert_swap_files: float = 0.3  # files whose 证号 swaps categories 1/2 (category column is right)
    file_jitter: float = 0.6  # per-file rate = rate * uniform(1 - j, 1 + j)


@dataclass(frozen=True)
class LayoutRates:
    """Per-file probabilities of each layout quirk."""

    title_rows: float = 0.5
    info_row: float = 0.3
    group_header: float = 0.5  # of wide files
    instructions_sheet: float = 0.2
    summary_sheet: float = 0.4  # of files with an instructions sheet
    category_sheets: float = 0.4
    wide: float = 0.4
    total_row: float = 0.4
    subtotal_rows: float = 0.3
    repeated_header: float = 0.15
    blank_rows: float = 0.25
    split: float = 0.5
    xls: float = 0.1  # small files only
    csv: float = 0.2
    extra_columns: float = 0.7
    prev_semester_rows: float = 0.3  # aid files that also hold last semester's rows
    cert_only: float = 0.3  # disability files with 残疾人证号 but no ID column
    policy_column: float = 0.6  # 脱贫户 files with a 享受政策 column
    dibao_dates: float = 0.4  # 低保 files with 停保/保障结束日期 (alone or with 保障状态)


@dataclass(frozen=True)
class AidRates:
    """How the 资助 system pays and which findings it carries."""

    key_paid: float = 0.92
    nonkey_share: float = 0.35  # of this semester's aid rows: students not in a key group
    not_enrolled: float = 0.01
    not_in_registry: float = 0.002
    duplicate: float = 0.005
    wrong_standard: float = 0.01
    prev_semester_share: float = 0.1  # of rows, in files that hold last semester's rows


@dataclass(frozen=True)
class Profile:
    name: str
    population: PopulationRates
    damage: DamageRates
    layout: LayoutRates
    aid: AidRates


NO_DAMAGE = DamageRates(**{f.name: 0.0 for f in fields(DamageRates)})

SIMPLE_LAYOUT = replace(
    LayoutRates(**{f.name: 0.0 for f in fields(LayoutRates)}),
    split=0.5,
    csv=0.2,
    policy_column=0.6,
    dibao_dates=0.4,
)

_HARSH_FACTOR = 2.5
_UNSCALED = {"file_jitter", "registry_scale", "member_scale", "scientific_share", "lower_x_share"}


def _harsh_damage(base: DamageRates) -> DamageRates:
    values = {
        f.name: (
            getattr(base, f.name)
            if f.name in _UNSCALED
            else min(0.9, getattr(base, f.name) * _HARSH_FACTOR)
        )
        for f in fields(DamageRates)
    }
    values.update(number_files=0.3, scientific_share=0.6)
    return DamageRates(**values)


def _harsh_layout(base: LayoutRates) -> LayoutRates:
    # Every quirk on, but keep a little variety so both branches of each choice still occur.
    return replace(
        base,
        title_rows=0.9,
        info_row=0.8,
        group_header=0.8,
        instructions_sheet=0.6,
        summary_sheet=0.6,
        category_sheets=0.8,
        wide=0.6,
        total_row=0.9,
        subtotal_rows=0.7,
        repeated_header=0.7,
        blank_rows=0.8,
        split=0.8,
        xls=0.3,
        csv=0.35,
        extra_columns=1.0,
        prev_semester_rows=0.8,
        cert_only=0.5,
        dibao_dates=0.6,
    )


_REALISTIC = Profile(
    name="realistic",
    population=PopulationRates(),
    damage=DamageRates(),
    layout=LayoutRates(),
    aid=AidRates(),
)

PROFILES: dict[str, Profile] = {
    "clean": Profile(
        name="clean",
        population=replace(PopulationRates(), no_id_students=0.0, xjh_drift_students=0.0),
        damage=NO_DAMAGE,
        layout=SIMPLE_LAYOUT,
        aid=replace(AidRates(), prev_semester_share=0.0),
    ),
    "realistic": _REALISTIC,
    "harsh": Profile(
        name="harsh",
        population=replace(
            PopulationRates(),
            no_id_students=0.008,
            xjh_drift_students=0.006,
            minority_names=0.012,
            rare_char_names=0.025,
            twins=0.02,
        ),
        damage=_harsh_damage(DamageRates()),
        layout=_harsh_layout(LayoutRates()),
        aid=replace(
            AidRates(),
            not_enrolled=0.025,
            not_in_registry=0.005,
            duplicate=0.012,
            wrong_standard=0.025,
            prev_semester_share=0.15,
        ),
    ),
}
