"""Which module handles which source: the registry, aid and disability modules add what their
columns mean; every other roster (扶贫, 民政, or one added to ``rules/sources.yaml``) is a
:class:`~aidmatch.sources.rosters.RosterSystem` driven by its rules entry."""

from __future__ import annotations

from aidmatch.config import SourceDef
from aidmatch.sources.aid import AidSystem
from aidmatch.sources.base import SourceSystem
from aidmatch.sources.disability import DisabilitySystem
from aidmatch.sources.registry import RegistrySystem
from aidmatch.sources.rosters import RosterSystem

SYSTEMS: dict[str, type[SourceSystem]] = {
    "registry": RegistrySystem,
    "aid": AidSystem,
    "disability": DisabilitySystem,
}


def system_for(source: SourceDef) -> SourceSystem:
    return SYSTEMS.get(source.kind, RosterSystem)(source)
