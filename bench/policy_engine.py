"""Benchmark the policy engine against better-profanity's contains_profanity.

    python bench/policy_engine.py [--quick]

Prints comments/second and microseconds per comment for clean and dirty
comments of 50, 300 and 2,000 characters, evaluated with the whole default
policy, next to better-profanity 0.7.0 measured in the same run (a few
iterations only: it is slow), and the memory added by loading the engine
(the built-in classifier's model included), then the classifier's own share.
Each figure is the best of many short batches (one call for better-profanity):
on a shared machine a short batch often runs without being preempted, so the
best batch is close to the speed of a quiet core.  The load average is printed
with the results; compare the ratio, which both sides of the same run share.
No Django.
"""

from __future__ import annotations

import gc
import os
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CLEAN_SENTENCES = [
    "The council voted on Tuesday to approve the new transit plan.",
    "Several residents said they were not consulted before the vote.",
    "I think the mayor should have held more public meetings first.",
    "The cost estimate in 2019 was $4.5 billion and it keeps rising.",
    "Both parties have made promises they cannot afford, as usual.",
    "The murder trial of the former treasurer opens next Monday.",
    "Our local hospital needs more nurses, not another consultant report.",
    "Thanks for covering this, it is the kind of reporting we need.",
]
DIRTY_SENTENCES = [
    "You are an idiot and this plan is complete bullshit.",
    "What a clown, the whole council can go to hell.",
]


def _rss_kib() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _text(length: int, dirty: bool) -> str:
    parts: list[str] = []
    i = 0
    while sum(len(p) + 1 for p in parts) < length:
        parts.append(CLEAN_SENTENCES[i % len(CLEAN_SENTENCES)])
        i += 1
    text = " ".join(parts)[:length]
    if dirty:
        bad = DIRTY_SENTENCES[length % len(DIRTY_SENTENCES)]
        cut = max(0, length - len(bad) - 1)
        text = (text[:cut] + " " + bad)[-length:] if length > len(bad) else bad[:length]
    return text


def _per_call(fn, text: str, number: int, repeat: int) -> float:
    """Seconds per call: the best of ``repeat`` batches of ``number`` calls."""
    best = float("inf")
    clock = time.perf_counter
    for _ in range(repeat):
        start = clock()
        for _ in range(number):
            fn(text)
        best = min(best, (clock() - start) / number)
    return best


def main() -> None:
    quick = "--quick" in sys.argv
    gc.collect()
    rss_before = _rss_kib()
    tracemalloc.start()
    t0 = time.perf_counter()
    from policy.engine import Engine, load_policy

    policy = load_policy((ROOT / "policy" / "default_policy.toml").read_text("utf-8"))
    engine = Engine(policy)
    load_seconds = time.perf_counter() - t0
    traced, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    gc.collect()
    rss_after = _rss_kib()

    t0 = time.perf_counter()
    Engine(load_policy((ROOT / "policy" / "default_policy.toml").read_text("utf-8")))
    compile_seconds = time.perf_counter() - t0

    from better_profanity import Profanity

    bp = Profanity()

    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"Python {sys.version.split()[0]}, one thread, {os.cpu_count()} cores; best batch")
    print(f"load average before: {load}")
    print(
        f"engine import + compile: {load_seconds * 1000:.0f} ms under tracemalloc, "
        f"compile again: {compile_seconds * 1000:.0f} ms; memory added: "
        f"{traced / 2**20:.1f} MiB traced (tracemalloc), "
        f"{(rss_after - rss_before) / 1024:.1f} MiB RSS"
    )
    print()
    header = (
        f"{'text':<14} {'engine µs':>10} {'comments/s':>11} "
        f"{'b-p µs':>10} {'b-p /s':>8} {'ratio':>7}  verdict"
    )
    print(header)
    print("-" * len(header))
    for length in (50, 300, 2000):
        for dirty in (False, True):
            text = _text(length, dirty)
            number = {50: 50, 300: 20, 2000: 4}[length]
            ours = _per_call(engine.evaluate, text, number, repeat=60 if quick else 300)
            bp_repeat = {50: 30, 300: 10, 2000: 3}[length] // (3 if quick else 1)
            theirs = _per_call(bp.contains_profanity, text, 1, repeat=max(bp_repeat, 1))
            verdict = engine.evaluate(text)
            label = f"{length} {'dirty' if dirty else 'clean'}"
            print(
                f"{label:<14} {ours * 1e6:>10.1f} {1 / ours:>11,.0f} "
                f"{theirs * 1e6:>10.0f} {1 / theirs:>8,.0f} {theirs / ours:>6.0f}x  "
                f"{verdict.action.value}"
                + (f" ({verdict.clause.clause_id})" if verdict.clause else "")
            )
    # The built-in classifier's part of that time (the first classifier rule scores the
    # comment for every label; the others read the cached scores).
    kinds = [key for key in engine.evaluate("x").timings if ".classifier" in key]
    for length in (50, 300, 2000):
        text = _text(length, False)
        best = min(
            sum(engine.evaluate(text).timings[key] for key in kinds)
            for _ in range(60 if quick else 300)
        )
        print(f"{length} clean: the built-in classifier's share {best * 1e6:.1f} µs")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
