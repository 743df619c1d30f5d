"""Realistic synthetic exports of the five systems, with ground truth for scoring aidmatch.

>>> sorted(PROFILES)
['clean', 'harsh', 'realistic']

See ``docs/synthetic-data.md`` for what is generated and what the truth files hold.
"""

from aidmatch.synth.country import CountryResult, generate_country
from aidmatch.synth.generate import SynthResult, generate_city
from aidmatch.synth.profiles import (
    NO_DAMAGE,
    PROFILES,
    AidRates,
    DamageRates,
    LayoutRates,
    PopulationRates,
    Profile,
)

__all__ = [
    "NO_DAMAGE",
    "PROFILES",
    "AidRates",
    "CountryResult",
    "DamageRates",
    "LayoutRates",
    "PopulationRates",
    "Profile",
    "SynthResult",
    "generate_city",
    "generate_country",
]
