"""The one place aidmatch prints: every message, table, progress line and log record.

Two promises hold here by construction, for whatever text the inputs put into a message (file
and sheet names, cells, paths):

- **no full ID number**: every piece of text passes through
  :func:`aidmatch.normalize.ids.redact`, which masks every form the ID reader accepts (spaces,
  dashes, full-width digits, lowercase x, 15-digit numbers …);
- **no markup**: text becomes a :class:`rich.text.Text`, never a markup string, so
  ``低保[new].csv`` prints as ``低保[new].csv`` and ``[/]`` or ``列表写成 [a, b]`` stay as written.
  Styles are given apart from the text (``("错误：", "bold red")``).

The CLI calls :func:`say`, :func:`table`, :func:`prompt`, :func:`run_progress` and
:func:`log_handler`; a test checks that no other module prints.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager

from rich.console import Console
from rich.logging import RichHandler
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from aidmatch.normalize.ids import redact
from aidmatch.privacy import RedactingFilter

# A piece of a message: text, or (text, style).
Part = str | tuple[str, str | None]

# Standard output (results, summaries) and standard error (errors, warnings, progress). Both
# find sys.stdout / sys.stderr when they print, so a test runner's capture sees them.
stdout = Console(highlight=False, soft_wrap=True)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)


def text(*parts: Part) -> Text:
    """Parts as one redacted :class:`Text` (styles applied, nothing read as markup)."""
    result = Text()
    for part in parts:
        if isinstance(part, tuple):
            result.append(redact(part[0]), style=part[1] or "")
        else:
            result.append(redact(part))
    return result


def say(*parts: Part, err: bool = False, style: str | None = None) -> None:
    """Print one message (to standard error with ``err``)."""
    (stderr if err else stdout).print(text(*parts), style=style or "")


def prompt(*parts: str) -> str:
    """A question's text for :func:`click.confirm`, redacted (click prints it as it is)."""
    return redact("".join(parts))


def table(title: str, headers: Sequence[str], rows: Iterable[Sequence[Part]],
          right: Iterable[str] = (), styles: Sequence[str | None] | None = None) -> None:
    """A table on standard output; ``right`` names the right-aligned columns."""
    aligned = set(right)
    grid = Table(title=text(title), title_justify="left")
    for header in headers:
        # a long file name wraps on a narrow terminal rather than being cut to 资助/2025…
        grid.add_column(text(header), justify="right" if header in aligned else "left",
                        overflow="fold")
    for n, row in enumerate(rows):
        grid.add_row(*(text(cell) for cell in row),
                     style=(styles[n] if styles is not None else None) or None)
    # Without a terminal (a CI log, a file) there is no width to fit: the table is as wide as
    # its content, every name whole (rich aligns 汉字 by their display width).
    if stdout.is_terminal:
        stdout.print(grid)
        return
    wide = max(stdout.measure(grid, options=stdout.options.update(max_width=10_000)).maximum,
               stdout.width)
    Console(file=stdout.file, highlight=False, soft_wrap=True, width=wide,
            no_color=stdout.no_color).print(grid)


# (stage, detail, done, total): the pipeline's progress callback.
RunProgress = Callable[[str, str, int, int | None], None]


@contextmanager
def run_progress(enabled: bool) -> Iterator[RunProgress | None]:
    """A progress bar per stage on a terminal (files read, steps done); a line per file and per
    stage on standard error when it is not a terminal (CI, cron); nothing when not ``enabled``."""
    if not enabled:
        yield None
        return
    if not stderr.is_terminal:
        last = ""

        def plain(stage: str, detail: str, done: int, total: int | None) -> None:
            nonlocal last
            if total is not None and done < total:
                say(f"{stage} {done + 1}/{total}：{detail}", err=True)
            elif total is not None:
                say(f"{stage}完成：{detail}", err=True)
            elif stage != last:
                say(f"{stage} …", err=True)
            last = stage

        yield plain
        return
    with Progress(TextColumn("{task.fields[stage]}", style="bold", markup=False), BarColumn(),
                  MofNCompleteColumn(), TextColumn("{task.description}", markup=False),
                  TimeElapsedColumn(), console=stderr, transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def update(stage: str, detail: str, done: int, total: int | None) -> None:
            if stage not in tasks:
                for task in bar.tasks:  # the previous stage is over (never shown as 0/0)
                    if not task.finished:
                        done_steps = max(int(task.completed), 1)
                        bar.update(task.id, total=done_steps, completed=done_steps)
                tasks[stage] = bar.add_task(redact(detail), total=total, stage=redact(stage))
            bar.update(tasks[stage], completed=done, total=total, description=redact(detail))

        yield update


def log_handler() -> logging.Handler:
    """Where log records go: a rich handler on a terminal, plain lines otherwise; both behind
    the redacting filter, neither reading markup."""
    handler: logging.Handler = (
        RichHandler(console=stderr, show_path=False, show_time=False, markup=False)
        if stderr.is_terminal else logging.StreamHandler(sys.stderr))
    handler.addFilter(RedactingFilter())
    return handler


__all__ = ["Part", "RunProgress", "log_handler", "prompt", "run_progress", "say", "table", "text"]
