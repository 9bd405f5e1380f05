"""SudachiPy, loaded lazily once per process (one tokenizer per thread)."""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

_local = threading.local()


@lru_cache(maxsize=1)
def _dictionary() -> Any:
    from sudachipy import Dictionary

    return Dictionary(dict="core")


def tokenizer() -> Any:
    tok = getattr(_local, "tokenizer", None)
    if tok is None:
        from sudachipy import SplitMode

        tok = _dictionary().tokenizer(mode=SplitMode.C)
        _local.tokenizer = tok
    return tok


def warm_up() -> None:
    """Load the dictionary now rather than on the first post that needs it."""
    tokenizer().tokenize("鏡野町")
