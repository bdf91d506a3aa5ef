"""The progress bar of the long commands: rich's, with rate and time left, and nothing at all
when the output is not a terminal (cron, CI, a pipe)."""

from __future__ import annotations

from typing import IO, Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


class Bar:
    """One bar per phase (reading the file in bytes, then commenters, then comments)."""

    def __init__(self, stream: IO[str], *, enabled: bool | None = None) -> None:
        console = Console(file=stream)
        self.enabled = console.is_terminal if enabled is None else enabled
        self.progress = Progress(
            TextColumn("{task.description:<11}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=not self.enabled,
            transient=False,
        )
        self.task: TaskID | None = None
        self.bytes = False

    def __enter__(self) -> Bar:
        self.progress.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.progress.stop()

    def start(self, phase: str, total: int | None) -> None:
        if self.task is not None:
            self.progress.update(self.task, visible=self.enabled)
        self.bytes = phase == "Reading"
        self.task = self.progress.add_task(phase, total=total, rate="")

    def update(self, done: int) -> None:
        if self.task is None:
            return
        speed = self.progress.tasks[-1].speed
        unit = "B/s" if self.bytes else "/s"
        rate = f"{speed:,.0f} {unit}" if speed else ""
        self.progress.update(self.task, completed=done, rate=rate)


def command_stream(wrapper: Any) -> IO[str]:
    """The stream under a management command's OutputWrapper (for its isatty)."""
    return getattr(wrapper, "_out", wrapper)
