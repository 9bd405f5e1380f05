"""Comment screening (G-6-2): verdicts and terms categories for residents' comments.

Pure Python, no Django: `screen(comments, facts)` is used by the intake, the triage queue and
`kagami screen` alike.  The contract is the shared spec MODERATION.md; see ARCHITECTURE.md.
"""

from kagami.screening.engine import Screener, screen
from kagami.screening.facts import ConfigError, Facts
from kagami.screening.model import CATEGORIES, VERDICTS, Author, Category, Comment, Result

__all__ = [
    "CATEGORIES",
    "VERDICTS",
    "Author",
    "Category",
    "Comment",
    "ConfigError",
    "Facts",
    "Result",
    "Screener",
    "screen",
]
