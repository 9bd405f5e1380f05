"""Rule modules, one per clause of G-5-1.  Importing this package registers every rule."""

from kagami.contentchecks.rules import a11y, accuracy, conduct, copyright, links, pii, platform

__all__ = ["a11y", "accuracy", "conduct", "copyright", "links", "pii", "platform"]
