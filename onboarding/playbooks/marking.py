"""Expanding glossary abbreviations where a reader first meets them, on one page or in one email.

As the GOV.UK and NHS.UK style guides ask, an abbreviation is spelled out the first time it is
used and not after: "SIRO (Senior information risk owner)". On a page the abbreviation is an
``<abbr title>`` and the expansion a link to its entry on /glossary; inside a link or a heading,
where another link cannot go, the expansion is plain text. In a plain-text email the expansion
follows in brackets. Well-known terms (NHS, UK) and terms written in words are left alone.

"First use" belongs to one page or one email, so a ``Marker`` is made for each render (a
template context processor, or ``nudges.render`` for each email) and remembers what it has
expanded. Markup is built here from escaped text only: the text passed in is never trusted.
"""
from __future__ import annotations

from functools import lru_cache

from markupsafe import Markup, escape

from . import acronyms
from .glossary import Glossary, Term


class Marker:
    """Marks the glossary's abbreviations in text, expanding each once per page or email.

    ``link``: where the glossary is ("/glossary", or an absolute address in an email); the
    term's anchor is added to it."""

    def __init__(self, glossary: Glossary, link: str = "/glossary"):
        self.terms = glossary.expandable
        self.link = link
        self.seen: set[str] = set()

    def _first(self, text: str, match) -> Term | None:
        """The term a match is, if it is one to expand and this is its first use here (not
        when the text spells it out itself, as in "Freedom to Speak Up (FTSU)")."""
        term = self.terms.get(match.group(1))
        if term is None or term.term in self.seen:
            return None
        self.seen.add(term.term)
        near = text[max(0, match.start() - len(term.expansion) - 3):match.end() + len(term.expansion) + 3].lower()
        return None if term.expansion.lower() in near else term

    def html(self, text: str | None, link: bool = True) -> Markup:
        """``text`` escaped, with each abbreviation's first use on the page marked: the
        abbreviation in ``<abbr>`` and the expansion after it in brackets, a link to the glossary
        unless ``link`` is false (the text sits inside a link or a heading)."""
        text = text or ""
        matches = _abbreviations(text)
        if not matches:
            return escape(text)
        parts, at = [], 0
        for match in matches:
            term = self._first(text, match)
            if term is None:
                continue
            expansion = _plural(term.expansion, match.group(2))
            parts.append(escape(text[at:match.start()]))
            parts.append(Markup('<abbr title="{}">{}</abbr>').format(expansion, match.group(0)))
            if link:
                parts.append(Markup(' (<a class="app-glossary-link" href="{}#{}">{}</a>)').format(
                    self.link, term.anchor, expansion))
            else:
                parts.append(Markup(" ({})").format(expansion))
            at = match.end()
        parts.append(escape(text[at:]))
        return Markup("").join(parts)

    def plain(self, text: str | None) -> str:
        """``text`` with each abbreviation's first use in this email followed by its expansion
        in brackets (plain text: nothing escaped, nothing marked up)."""
        text = text or ""
        parts, at = [], 0
        for match in _abbreviations(text):
            term = self._first(text, match)
            if term is not None:
                parts.append(f"{text[at:match.end()]} ({_plural(term.expansion, match.group(2))})")
                at = match.end()
        parts.append(text[at:])
        return "".join(parts)


@lru_cache(maxsize=8192)
def _abbreviations(text: str) -> tuple:
    """The abbreviations in a text, found once: thousands of emails (and pages) repeat the same
    milestone titles, and most have none."""
    return tuple(acronyms.find(text))


def _plural(expansion: str, s: str) -> str:
    """The expansion of "ICBs": "Integrated care boards"."""
    return expansion + "s" if s and not expansion.endswith("s") else expansion
