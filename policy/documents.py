"""Policy documents as Django sees them: the shipped default, compiled engines, reader HTML."""

from functools import lru_cache
from pathlib import Path

import nh3
from markdown_it import MarkdownIt

from policy.engine import Engine, Policy, load_policy

DEFAULT_POLICY_PATH = Path(__file__).resolve().parent / "default_policy.toml"

_markdown = MarkdownIt("commonmark", {"html": False})


def default_policy_source() -> str:
    return DEFAULT_POLICY_PATH.read_text(encoding="utf-8")


@lru_cache(maxsize=256)
def compiled(version_pk: int, source: str) -> tuple[Policy, Engine]:
    """Parse and compile a stored policy version once per process (versions never change)."""
    policy = load_policy(source)
    return policy, Engine(policy)


def render_policy_text(text: str) -> str:
    """Staff-written clause text (Markdown) to safe HTML."""
    return nh3.clean(_markdown.render(text), link_rel="nofollow noopener").strip()
