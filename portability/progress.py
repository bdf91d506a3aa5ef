"""The progress bar of the long commands: rich's, with rate and time left, and nothing at all
when the output is not a terminal (cron, CI, a pipe)."""

from __future__ import annotations

from typing import IO, Any

from rich.console import Console
from rich.progress import (
    BarColumn,
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
            TextColumn("{task.fields[count]}"),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=not self.enabled,
            transient=False,
        )
        self.task: TaskID | None = None
        self.bytes = False
        self.total: int | None = None

    def __enter__(self) -> Bar:
        self.progress.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.progress.stop()

    def start(self, phase: str, total: int | None) -> None:
        if self.task is not None:
            self.progress.update(self.task, visible=self.enabled)
        self.bytes = phase == "Reading"
        self.total = total
        self.task = self.progress.add_task(phase, total=total, rate="", count=self._count(0))

    def update(self, done: int) -> None:
        if self.task is None:
            return
        speed = self.progress.tasks[-1].speed
        if not speed:
            rate = ""
        elif self.bytes:
            rate = f"{speed / 1e6:,.1f} MB/s"
        else:
            rate = f"{speed:,.0f}/s"
        self.progress.update(self.task, completed=done, rate=rate, count=self._count(done))

    def _count(self, done: int) -> str:
        if self.bytes:
            scale, unit = (1e6, "MB") if (self.total or done) >= 1e6 else (1e3, "KB")
            total = f"/{self.total / scale:,.1f}" if self.total else ""
            return f"{done / scale:,.1f}{total} {unit}"
        return f"{done:,}/{self.total:,}" if self.total else f"{done:,}"


def command_stream(wrapper: Any) -> IO[str]:
    """The stream under a management command's OutputWrapper (for its isatty)."""
    return getattr(wrapper, "_out", wrapper)
