"""Reading the five systems' exports into canonical person records."""

from aidmatch.sources.loader import InputFile, LoadResult, SheetReport, load_inputs

__all__ = ["InputFile", "LoadResult", "SheetReport", "load_inputs"]
