"""Translation marker for message templates.

Message IDs are Japanese.  `_` marks them for Django's makemessages and returns them unchanged;
`check(..., translate=gettext)` translates a template just before it is formatted.
"""


def _(s: str) -> str:
    return s
