"""CSV reading speed: one synthetic registry-like CSV read by the loader's reader.

    .venv/bin/python benchmarks/csv_read.py --rows 200000 --repeat 5

Writes a CSV of ``--rows`` rows (13 columns, IDs, names, a quoted cell with a line break in one
row in a hundred when ``--multiline``) to a temporary folder and prints the best and median
seconds of :func:`aidmatch.sources.reading.read_table_file` over ``--repeat`` reads, each in
this process after one warm-up read (the file is in the page cache).
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import tempfile
import time
from pathlib import Path


def write_csv(path: Path, rows: int, multiline: bool) -> None:
    rng = random.Random(1)
    surnames, given = "王李张刘陈杨赵黄周吴", "芳伟娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["序号", "学籍号", "姓名", "身份证件号", "学籍状态", "就读方式", "年级",
                         "班级", "学校名称", "区县", "成员1姓名", "成员1关系", "成员1身份证件号"])
        for n in range(rows):
            number = f"6110222012{rng.randrange(10**8):08d}"
            name = rng.choice(surnames) + rng.choice(given) + rng.choice(given)
            school = f"丹凤县第{n % 40 + 1}小学"
            if multiline and n % 100 == 0:
                school = school[:3] + "\n" + school[3:]
            writer.writerow([n + 1, "G" + number, name, number, "在读", "走读", "三年级",
                             f"{n % 6 + 1}班", school, "丹凤县", name[0] + "父", "父亲",
                             f"6110221980{rng.randrange(10**8):08d}"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--multiline", action="store_true",
                        help="one cell in a hundred rows holds a line break (quoted)")
    args = parser.parse_args()
    from aidmatch.sources.reading import read_table_file

    with tempfile.TemporaryDirectory(prefix="aidmatch-csvbench-") as folder:
        path = Path(folder) / "学籍.csv"
        write_csv(path, args.rows, args.multiline)
        read_table_file(path, path.name)
        times: list[float] = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            [sheet] = read_table_file(path, path.name)
            times.append(time.perf_counter() - started)
        print(f"{args.rows} rows ({path.stat().st_size / 2**20:.1f} MB), "
              f"{len(sheet)} read: best {min(times):.3f} s, median {statistics.median(times):.3f} s")


if __name__ == "__main__":
    main()
