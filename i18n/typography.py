"""French typography: where a line must not break, and the apostrophe a printed page uses.

A convention or a letter that breaks "n°⏎FINESS", "R.⏎6132-25" or "31⏎décembre" reads as
careless to the lawyer who signs it. The rules are listed once, in `RULES`: each names the
breaking space it forbids and what replaces it. `french_typography` applies them to a text (a
value of a document's context, a line of a model, an e-mail); `typography_faults` finds where a
text still breaks one, which is what the tests that read the generated pages use.

Spaces: a no-break space (U+00A0) before « : » and inside « », after "n°", between a day and
its month, after "M." / "Mme" / "L." / "article"; a narrow no-break space (U+202F) before
« ; ! ? » and before "%" and "€", as the Imprimerie nationale's rules have it. Only spaces that
are there are replaced: nothing is inserted in "https://…" or "10:30".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NBSP = "\u00a0"
NNBSP = "\u202f"
APOSTROPHE = "\u2019"

_MONTHS = "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"


@dataclass(frozen=True)
class Rule:
    """A breaking space that French typography forbids: `pattern` matches it, with the space
    in group "space"; `joiner` is what replaces the space."""

    name: str
    pattern: re.Pattern[str]
    joiner: str


def _rule(name: str, pattern: str, joiner: str) -> Rule:
    return Rule(name, re.compile(pattern), joiner)


RULES: tuple[Rule, ...] = (
    _rule("space before a colon", r"\S(?P<space>[ \u202f]+):", NBSP),
    _rule("space before ; ! ?", r"\S(?P<space>[ \u00a0]+)[;!?]", NNBSP),
    _rule("space after «", r"«(?P<space>[ \u202f]*)(?=\S)", NBSP),
    _rule("space before »", r"(?<=\S)(?P<space>[ \u202f]*)»", NBSP),
    _rule("space after n°", r"\b[nN]°(?P<space> +)(?=\S)", NBSP),
    _rule(
        "space between a day and its month",
        rf"\b(?:\d{{1,2}}|1er)(?P<space> +)(?:{_MONTHS})\b",
        NBSP,
    ),
    _rule("space in an article number", r"\b[LRD]\.(?P<space> +)\d", NBSP),
    _rule("space after article", r"\b(?:[aA]rticles?|art\.)(?P<space> +)(?=[LRD]?\.?\s?\d)", NBSP),
    _rule("space after a civility", r"\b(?:M\.|Mme|Mlle|Me|Dr)(?P<space> +)(?=[A-ZÀ-Ý])", NBSP),
    _rule("space before % or €", r"\d(?P<space>[ \u00a0]+)[%€]", NNBSP),
)

_APOSTROPHE = re.compile(r"(?<=[A-Za-zÀ-ÿ])'(?=[A-Za-zÀ-ÿ])")
# Jinja tags in a model's text are left as they are: only the words around them are typeset.
_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
_HELD = "\ue000"
# Every rule is about a space, an apostrophe or a guillemet: a text without any is left as is.
_MAY_CHANGE = re.compile("[ '«»\u00a0\u202f]")
# What typography must not touch: model tags, links, e-mail addresses.
_KEEP = re.compile(
    rf"{_TAG.pattern}|(?:https?|mailto|ftp)://[^\s<>\"]+|[\w.+'’%-]+@[\w-]+(?:\.[\w-]+)+",
    re.DOTALL,
)


def _typeset(text: str) -> str:
    text = _APOSTROPHE.sub(APOSTROPHE, text)
    for rule in RULES:
        text = _replace(rule, text)
    return text


def _replace(rule: Rule, text: str) -> str:
    parts: list[str] = []
    last = 0
    for match in rule.pattern.finditer(text):
        start, end = match.span("space")
        if text[start:end] == rule.joiner:
            continue
        parts.append(text[last:start])
        parts.append(rule.joiner)
        last = end
    parts.append(text[last:])
    return "".join(parts)


def french_typography(text: str) -> str:
    """`text` with French no-break spaces and typographic apostrophes (idempotent); Jinja tags
    (`{{ … }}`, `{% … %}`), links and e-mail addresses are kept as written (an apostrophe
    may be part of an address: o'brien@…)."""
    if not _MAY_CHANGE.search(text):  # most values (codes, numbers, single words): at once
        return text
    if not _KEEP.search(text):
        return _typeset(text)
    if _HELD in text:  # the stand-in is taken: typeset the words between kept parts one by one
        pieces = re.split(f"({_KEEP.pattern})", text, flags=re.DOTALL)
        return "".join(p if i % 2 else _typeset(p) for i, p in enumerate(pieces))
    # each kept part stands in as one private-use character while the words around it are
    # typeset, so that "{{ date }} :" still gets its no-break space
    kept: list[str] = []

    def hold(match: re.Match[str]) -> str:
        kept.append(match.group(0))
        return _HELD

    typeset = _typeset(_KEEP.sub(hold, text))
    restored = iter(kept)
    return re.sub(_HELD, lambda _: next(restored), typeset)


def typography_faults(text: str) -> list[str]:
    """Where `text` breaks a line that French typography keeps whole: one line per fault,
    naming the rule and showing the place."""
    faults = [
        f"straight apostrophe: …{text[max(0, m.start() - 15) : m.end() + 15]}…"
        for m in _APOSTROPHE.finditer(text)
    ]
    for rule in RULES:
        for match in rule.pattern.finditer(text):
            start, end = match.span("space")
            if text[start:end] != rule.joiner:
                excerpt = text[max(0, start - 15) : end + 15].replace("\n", " ")
                faults.append(f"{rule.name}: …{excerpt}…")
    return faults
