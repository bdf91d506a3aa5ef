"""Neutral and positive mentions of groups, written here, as clean training comments.

The public corpora mention most groups far more often in abuse than in anything else (in the
training split, 99 clean comments with "Jews" against 761 toxic ones, 14 with "refugees"
against 369), so a bag of words learns the group's name as abuse: the 116,661-text model held
"Jews are welcome here." and "Trans women are women." under the hate-speech clause, and flagged
most ordinary sentences that name a group. Dixon et al. (2018, "Measuring and Mitigating
Unintended Bias in Text Classification") balanced such terms with non-toxic comments that use
them; the corpora here have too few, so these sentences are generated: every template below with
every group, clean on every label, in the training part only (never in validation or test,
whose figures stay those of real comments). They are Parley's own text (the project's licence),
listed in the manifest like any source.

The templates were written for this purpose, in a news-comment register, without reading any
evaluation suite's cases; tests/policy/engine/corpus/group_mentions.txt is a separate,
hand-written set of sentences (other wordings) that the default policy must publish, and is
what the weight of these rows was chosen on (docs/classifier.md).
"""

from __future__ import annotations

from collections.abc import Iterator

SOURCE = "parley_group_mentions"

# (plural, adjective or singular noun used before "person", "community", "family").
GROUPS: tuple[tuple[str, str], ...] = (
    ("Jews", "Jewish"),
    ("Muslims", "Muslim"),
    ("Christians", "Christian"),
    ("Catholics", "Catholic"),
    ("Hindus", "Hindu"),
    ("Sikhs", "Sikh"),
    ("Buddhists", "Buddhist"),
    ("atheists", "atheist"),
    ("gay people", "gay"),
    ("gay men", "gay"),
    ("lesbians", "lesbian"),
    ("bisexual people", "bisexual"),
    ("trans people", "trans"),
    ("transgender people", "transgender"),
    ("trans women", "trans"),
    ("Black people", "Black"),
    ("white people", "white"),
    ("Asian people", "Asian"),
    ("Chinese people", "Chinese"),
    ("Latinos", "Latino"),
    ("Hispanic people", "Hispanic"),
    ("Mexicans", "Mexican"),
    ("Arabs", "Arab"),
    ("Palestinians", "Palestinian"),
    ("Israelis", "Israeli"),
    ("Africans", "African"),
    ("Indigenous people", "Indigenous"),
    ("immigrants", "immigrant"),
    ("refugees", "refugee"),
    ("migrants", "migrant"),
    ("women", "female"),
    ("disabled people", "disabled"),
    ("deaf people", "deaf"),
    ("older people", "older"),
)

# {p}: the plural; {a}: the adjective. Each reads as a plain or friendly sentence a reader
# might post under a news story.
TEMPLATES: tuple[str, ...] = (
    "{p} are always invited to our street party.",
    "This town is better for having {p} in it.",
    "{p} are our neighbours and friends.",
    "My neighbours are {p} and we get along fine.",
    "{p} have lived in this city for generations.",
    "{p} deserve the same rights as everyone else.",
    "{p} deserve respect, like anyone.",
    "Many {p} volunteered at the food bank this winter.",
    "I work with {p} every day and they are great colleagues.",
    "The article quotes several {a} residents.",
    "The {a} community raised money for the new library.",
    "A {a} family opened the bakery on Main Street.",
    "As a {a} reader, I found this article fair.",
    "I am {a} and I have read this paper for years.",
    "I am {a} and proud of it.",
    "{p} are part of this country's history.",
    "{p} pay taxes and vote like everyone else.",
    "Good to see {p} represented on the council.",
    "The survey asked {p} about housing costs.",
    "Thank you for telling the stories of {a} families.",
    "{p} should feel safe in their own city.",
    "Some of my best teachers were {p}.",
    "The new mayor met with {a} leaders on Monday.",
    "{p} have every right to be here.",
    "Nothing wrong with being {a}.",
    "{p} are just people like the rest of us.",
    "The festival celebrated {a} culture with music and food.",
    "My daughter's best friend is {a}.",
    "More {p} are running for office this year.",
    "The report found that {p} wait longer for care.",
)


def sentences() -> Iterator[str]:
    """Every template with every group, in a fixed order, the first letter capitalised; each
    sentence once ("gay people" and "gay men" share the adjective)."""
    seen: set[str] = set()
    for template in TEMPLATES:
        for plural, adjective in GROUPS:
            text = template.format(p=plural, a=adjective)
            text = text[0].upper() + text[1:]
            if text.lower() not in seen:
                seen.add(text.lower())
                yield text
