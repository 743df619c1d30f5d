"""The Spark session a run's declared stages work in (``aidmatch reconcile --engine spark``).

Locally (the default) Spark runs inside this machine with one worker thread per core
(``local[<threads>]``); ``--spark-master URL`` names a cluster instead (its executors need
aidmatch installed, and the temporary folder on storage the driver and every executor share).
Spark needs its Python package (``pip install aidmatch[spark]``) and Java 17 or newer: both are
checked before any file is read (:func:`check_spark`), with a message a clerk's IT support can
act on.

>>> java_major('openjdk version "17.0.15" 2025-04-15')
17
>>> java_major('java version "1.8.0_402"')
8
>>> local_cores("local[2]"), local_cores("local"), local_cores("spark://host:7077")
(2, 1, None)
>>> spark_memory("4GB"), spark_memory("500MB"), spark_memory("2GiB")
('3814m', '476m', '2048m')
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from aidmatch.errors import MachineError, UsageError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = logging.getLogger(__name__)

MIN_JAVA = 17  # Spark 4 runs on Java 17 or newer
_UNITS = {"B": 1, "KB": 1000, "MB": 1000**2, "GB": 1000**3, "TB": 1000**4,
          "KIB": 1024, "MIB": 1024**2, "GIB": 1024**3, "TIB": 1024**4}


# Spark's own log (Java): errors only, on stderr, without the start-up banner; a failing
# statement reaches the user as aidmatch's error, not as a JVM log line.
LOG4J2 = """\
status = error
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = stderr
appender.stderr.type = Console
appender.stderr.name = stderr
appender.stderr.target = SYSTEM_ERR
appender.stderr.layout.type = PatternLayout
appender.stderr.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
"""


class SparkUnavailable(MachineError):
    """This machine cannot run the Spark engine: no pyspark, no Java, or a Java too old."""


def java_major(version_text: str) -> int | None:
    """The major version in ``java -version``'s output (``1.8`` is Java 8)."""
    found = re.search(r'version "(\d+)(?:\.(\d+))?', version_text)
    if found is None:
        return None
    major = int(found.group(1))
    return int(found.group(2) or 0) if major == 1 else major


def _java() -> str | None:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java")


def check_spark() -> None:
    """Raise :class:`SparkUnavailable` unless pyspark is installed and Java is 17 or newer."""
    if importlib.util.find_spec("pyspark") is None:
        raise SparkUnavailable("未安装 Spark 组件（pyspark），无法使用 --engine spark",
                               hint="运行 pip install \"aidmatch[spark]\" 安装，"
                                    "或不加 --engine spark（默认引擎 duckdb）。")
    java = _java()
    if java is None:
        raise SparkUnavailable("未找到 Java，Spark 引擎需要 Java 17 或更新版本",
                               hint="安装 Java 17 或更新版本（如 openjdk-17-jre-headless），"
                                    "或设置 JAVA_HOME；也可以不加 --engine spark。")
    try:
        shown = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
        major = java_major(shown.stderr + shown.stdout)
    except (OSError, subprocess.SubprocessError):
        major = None
    if major is None or major < MIN_JAVA:
        found = f"Java {major}" if major is not None else "无法运行的 Java"
        raise SparkUnavailable(f"Spark 引擎需要 Java {MIN_JAVA} 或更新版本，本机是 {found}（{java}）",
                               hint="安装 Java 17 或更新版本，并让 JAVA_HOME 或 PATH 指向它；"
                                    "也可以不加 --engine spark。")


def spark_memory(limit: str) -> str:
    """A memory limit in DuckDB's syntax (``4GB``) as a JVM size in MiB (``3815m``)."""
    found = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*", limit)
    unit = (found.group(2) if found else "").upper() or "B"
    if found is None or unit not in _UNITS:
        raise UsageError(f"内存上限无效：{limit}", hint="内存上限写成 4GB、500MB 这样的形式。")
    return f"{max(1, int(float(found.group(1)) * _UNITS[unit] / 2**20))}m"


def local_cores(master: str | None, threads: int | None = None) -> int | None:
    """The worker threads of a Spark running on this machine (no ``master``, or ``local``,
    ``local[N]``, ``local[*]``); None for a cluster, which sizes itself."""
    if master is None:
        return threads or os.cpu_count() or 1
    found = re.fullmatch(r"local(?:\[(\d+|\*)(?:,\s*\d+)?\])?", master.strip())
    if found is None:
        return None
    count = found.group(1)
    if count is None:  # plain "local": one thread
        return 1
    return os.cpu_count() or 1 if count == "*" else int(count)


@contextlib.contextmanager
def spark_session(master: str | None = None, threads: int | None = None,
                  memory_limit: str | None = None, local_dir: Path | None = None
                  ) -> Iterator[SparkSession]:
    """A Spark session for one run, stopped at the end if this run started it (a session that
    was already running, a test's, is left running)."""
    check_spark()
    from pyspark.sql import SparkSession

    # Executors start the Python that runs the scorers: this one, where aidmatch is installed.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    running = SparkSession.getActiveSession()
    cores = local_cores(master, threads)
    builder = (SparkSession.builder.appName("aidmatch")
               .master(master or f"local[{cores}]")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.session.timeZone", "UTC")
               # DuckDB's TIMESTAMP has no time zone: neither has Spark's, then
               .config("spark.sql.timestampType", "TIMESTAMP_NTZ")
               .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
               # DuckDB's meanings: size(NULL) is NULL; a bad cast is NULL where DuckDB's TRY_CAST
               # is asked for, and int || text concatenates (the SQL asks TRY_CAST where it matters)
               .config("spark.sql.legacy.sizeOfNull", "false")
               .config("spark.sql.ansi.enabled", "false"))
    if cores is not None:
        # one machine: a few partitions per core, not Spark's 200 (each a task and a file)
        builder = builder.config("spark.sql.shuffle.partitions", str(max(2, 2 * cores)))
    if memory_limit:
        builder = builder.config("spark.driver.memory", spark_memory(memory_limit))
    if local_dir is not None:
        local_dir.mkdir(parents=True, exist_ok=True)
        log_config = local_dir / "log4j2.properties"
        log_config.write_text(LOG4J2, encoding="utf-8")
        builder = (builder.config("spark.local.dir", str(local_dir))
                   .config("spark.driver.extraJavaOptions",
                           f"-Dlog4j2.configurationFile={log_config.as_uri()}"))
    # PySpark logs every failed statement as JSON before raising it; the error is enough
    logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    session.conf.set("spark.sql.session.timeZone", "UTC")
    try:
        yield session
    finally:
        if running is None:
            session.stop()
