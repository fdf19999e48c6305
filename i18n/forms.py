"""How a French administrative text names people and establishments and writes small numbers.

A letter addressed to a named director opens « Madame la Directrice, » and closes with the
same words; a convention signed « Pour le CHU de Toulouse » or « Pour l’HAD Garonne Domicile »
needs the name's article; « Fait en trois exemplaires originaux » writes the count in words.
These are rules of the language, not data of a region: they live here, pure, once.

A representative is recorded as conventions name them: "Mme Sophie Bernard, directrice",
"M. Jean Martin, directeur général" (civility, name, comma, function). Without a civility
the person's gender is unknown and the letter says « Madame, Monsieur, ».
"""

from __future__ import annotations

import re
from dataclasses import dataclass

APOSTROPHE = "\u2019"

_FEMININE = ("Mme", "Madame", "Mlle", "Mademoiselle")
_MASCULINE = ("M.", "Monsieur", "Mr")
_CIVILITY = re.compile(
    r"^(?P<civility>Mme|Madame|Mlle|Mademoiselle|Monsieur|M\.|Mr)(?:\s+|\u00a0)(?P<rest>.+)$"
)
_VOWEL = re.compile(r"^[aeiouyàâäéèêëîïôöûüAEIOUYÀÂÄÉÈÊËÎÏÔÖÛÜ]")


@dataclass(frozen=True)
class Representative:
    """A legal representative as written in the registry, read into its parts.

    `feminine` is None when no civility says it; `title` is the function in lower case as
    recorded ("directrice générale"), "" when none."""

    line: str
    name: str
    title: str
    feminine: bool | None

    @property
    def honorific(self) -> str:
        """« Madame », « Monsieur », or « Madame, Monsieur » when unknown."""
        if self.feminine is None:
            return "Madame, Monsieur"
        return "Madame" if self.feminine else "Monsieur"

    @property
    def salutation(self) -> str:
        """« Madame la Directrice, », « Monsieur le Directeur général, », « Madame, Monsieur, »."""
        return f"{self.addressed},"

    @property
    def addressed(self) -> str:
        """The words a letter addresses the person with, without the comma."""
        if self.feminine is None or not self.title:
            return self.honorific
        title = self.title[:1].upper() + self.title[1:]
        return f"{self.honorific} {_with_article(title, self.feminine)}"

    @property
    def closing(self) -> str:
        """The letter's last sentence, addressing the person as the salutation did."""
        return (
            f"Je vous prie d{APOSTROPHE}agréer, {self.addressed}, "
            f"l{APOSTROPHE}expression de ma considération distinguée."
        )

    @property
    def signing_title(self) -> str:
        """The function as a signature block heads it: « Le directeur général », « La
        directrice »; without a civility, the function alone, capitalised; "" without one."""
        if not self.title:
            return ""
        if self.feminine is None:
            return self.title[:1].upper() + self.title[1:]
        with_article = _with_article(self.title, self.feminine)
        return with_article[:1].upper() + with_article[1:]


def _with_article(title: str, feminine: bool) -> str:
    if _VOWEL.match(title):
        return f"l{APOSTROPHE}{title}"
    return f"{'la' if feminine else 'le'} {title}"


def parse_representative(text: str) -> Representative:
    """Read "Mme Sophie Bernard, directrice" into civility, name and function."""
    line = " ".join(text.split())
    person, _, title = line.partition(",")
    person, title = person.strip(), title.strip()
    feminine: bool | None = None
    match = _CIVILITY.match(person)
    if match:
        feminine = match.group("civility") in _FEMININE
        person = match.group("rest").strip()
    return Representative(
        line=line, name=person, title=title.lower() if title else "", feminine=feminine
    )


# The article of an establishment's name, by its first word (the kind of establishment it
# names). A name whose first word is not a kind ("Santé Relais Domicile") is a proper name
# and takes none: « Pour Santé Relais Domicile ».
_MASCULINE_WORDS = frozenset(
    {"ch", "chu", "chr", "chs", "chi", "chic", "chg", "chru", "centre", "groupe", "groupement",
     "gcs", "ght", "ghu", "pôle", "service", "syndicat", "ssr", "sih", "gip", "réseau", "cabinet"}
)  # fmt: skip
_FEMININE_WORDS = frozenset(
    {"clinique", "polyclinique", "maison", "fondation", "résidence", "mutualité", "mutuelle",
     "association", "plateforme", "mecs", "usld", "unité", "structure", "société", "communauté"}
)  # fmt: skip
# Words that begin with a vowel sound: "l’" (acronyms read as words or letter by letter).
_ELIDED_WORDS = frozenset(
    {"agence", "ars", "had", "ehpad", "hôpital", "hospitalisation", "institut", "ime", "esat",
     "établissement", "union", "unité"}
)  # fmt: skip


def article_name(name: str, kind: str = "") -> str:
    """The name with its article, as « Pour … » needs it: « le CHU de Toulouse »,
    « l’HAD Garonne Domicile », « la Clinique du Quercy »; a name that already begins with
    an article keeps it (in lower case); a proper name stays as it is. `kind` is accepted
    for names the registry types but whose first word says nothing (kept as they are)."""
    name = " ".join(name.split())
    if not name:
        return name
    first = name.split(" ", 1)[0]
    lowered = first.lower()
    if lowered.startswith(("l'", "l’")):
        return f"l{APOSTROPHE}{name[2:]}"
    if lowered in ("le", "la", "les"):
        return lowered + name[len(first) :]
    key = lowered.rstrip(".,")
    if key in _ELIDED_WORDS:
        return f"l{APOSTROPHE}{name}"
    if key in _MASCULINE_WORDS:
        return f"le {name}"
    if key in _FEMININE_WORDS:
        return f"la {name}"
    return name


def of_name(name: str, kind: str = "") -> str:
    """The name after « de », contracted as French wants it: « du GHT Lot », « de la
    Plateforme territoriale d’appui », « de l’HAD Garonne Domicile », « d’Orléans Santé »,
    « de Santé Relais »; a template cannot contract « de le » itself."""
    named = article_name(name, kind)
    if named.startswith("le "):
        return "du " + named[3:]
    if named.startswith("les "):
        return "des " + named[4:]
    if named[:1].lower() in _VOWELS:
        return f"d{APOSTROPHE}{named}"
    return "de " + named


def upper_first(text: str) -> str:
    """`text` with its first letter in capitals, the rest as written (« l’ARS Occitanie » at
    the start of a sentence: « L’ARS Occitanie »; Jinja's `capitalize` would lower « ARS »)."""
    return text[:1].upper() + text[1:]


_VOWELS = frozenset("aeiouyàâäéèêëîïôöùûü")


_UNITS = ("zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix",
          "onze", "douze", "treize", "quatorze", "quinze", "seize", "dix-sept", "dix-huit",
          "dix-neuf")  # fmt: skip
_TENS = {2: "vingt", 3: "trente", 4: "quarante", 5: "cinquante", 6: "soixante", 8: "quatre-vingt"}


def french_number_words(number: int) -> str:
    """0 to 99 in words as the 1990 spelling reform writes them (« vingt-et-un »,
    « soixante-dix », « quatre-vingts »); other numbers in digits."""
    if not 0 <= number < 100:
        return str(number)
    if number < 20:
        return _UNITS[number]
    tens, units = divmod(number, 10)
    if tens in (7, 9):  # soixante-dix…, quatre-vingt-dix…
        base, rest = _TENS[tens - 1], 10 + units
        joiner = "-et-" if tens == 7 and units == 1 else "-"
        return f"{base}{joiner}{_UNITS[rest]}"
    base = _TENS[tens]
    if units == 0:
        return "quatre-vingts" if tens == 8 else base
    joiner = "-et-" if units == 1 and tens != 8 else "-"
    return f"{base}{joiner}{_UNITS[units]}"
