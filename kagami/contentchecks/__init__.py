"""Content checks for posts (guideline G-5-1): a plain library, no Django inside.

from kagami.contentchecks import Config, Image, Post, check
findings = check(Post("11月24日(月)に開催", platforms=["x"]), Config.default())
"""

from kagami.contentchecks.config import Config, ConfigError, RuleSettings
from kagami.contentchecks.engine import RULES, check
from kagami.contentchecks.i18n import _
from kagami.contentchecks.model import JST, Finding, Image, Post, Severity
from kagami.contentchecks.platforms import PLATFORMS

__all__ = [
    "JST",
    "PLATFORMS",
    "RULES",
    "Config",
    "ConfigError",
    "Finding",
    "Image",
    "Post",
    "RuleSettings",
    "Severity",
    "_",
    "check",
]
