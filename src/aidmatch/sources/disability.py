"""残联系统: holders of a disability certificate (持证残疾人).

A 残疾人证号 is the holder's 18-character ID, a category digit (1 视力 2 听力 3 言语 4 肢体 5 智力
6 精神 7 多重) and a grade digit (1 most severe … 4); some copies carry more characters. When the
roster has no usable ID column, the ID is the certificate's first 18 characters. A category
column, when present, is trusted over the certificate's digit (some copies swap 1 and 2).
"""

from __future__ import annotations

import pyarrow as pa

from aidmatch.normalize import ids
from aidmatch.sources.base import FinishContext, SourceSystem
from aidmatch.sources.extract import Extract

CATEGORY_DIGITS = {"1": "视力", "2": "听力", "3": "言语", "4": "肢体", "5": "智力", "6": "精神",
                   "7": "多重"}
GRADE_DIGITS = {"1": "一级", "2": "二级", "3": "三级", "4": "四级"}


class DisabilitySystem(SourceSystem):
    kind = "disability"

    def identity_cells(self, extract: Extract) -> list[str]:
        id_cells = extract.values.get("id_number", [""] * len(extract))
        cert_cells = extract.values.get("cert_no", [""] * len(extract))
        chosen: list[str] = []
        for id_cell, cert in zip(id_cells, cert_cells, strict=True):
            cert_id = ids.compact(cert)[:18]
            if cert.strip() and not ids.is_valid(id_cell) and ids.is_valid(cert_id):
                chosen.append(cert_id)
            elif not id_cell.strip() and len(cert_id) == 18:
                # Only a certificate, and its ID part is damaged: judge the ID part alone so a
                # typo still leaves its birth date to match on.
                chosen.append(cert_id)
            else:
                chosen.append(id_cell or cert)
        return chosen

    def specific(self, extract: Extract, context: FinishContext,
                 columns: dict[str, pa.Array]) -> dict[str, pa.Array]:
        certs = [ids.compact(c) for c in extract.values.get("cert_no", [""] * len(extract))]
        stated_category = columns["disability_category"].to_pylist()
        stated_grade = columns["disability_grade"].to_pylist()
        category = [
            stated or (CATEGORY_DIGITS.get(cert[18]) if len(cert) >= 20 else None)
            for stated, cert in zip(stated_category, certs, strict=True)
        ]
        grade = [
            stated or (GRADE_DIGITS.get(cert[19]) if len(cert) >= 20 else None)
            for stated, cert in zip(stated_grade, certs, strict=True)
        ]
        return {
            "cert_no": pa.array([c or None for c in certs], pa.string()),
            "disability_category": pa.array(category, pa.string()),
            "disability_grade": pa.array(grade, pa.string()),
        }
