"""G-5-1-c copyright: every image carries a record of its source or permission."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from kagami.contentchecks.i18n import _
from kagami.contentchecks.model import Hit
from kagami.contentchecks.registry import rule

if TYPE_CHECKING:
    from kagami.contentchecks.engine import Context


@rule(
    "copyright.image-source-missing",
    "G-5-1-c",
    "warning",
    _("{n}枚目の画像に出典・利用許諾の記録がありません。"),
    suggestion=_("撮影者（例: 職員撮影）や提供元と許諾の有無を記録してください。"),
)
def image_source_missing(ctx: Context, opts: Mapping[str, Any]) -> Iterator[Hit]:
    """G-5-1-c: an image with no source or permission record."""
    for i, image in enumerate(ctx.post.images, start=1):
        if image.source is None or not image.source.strip():
            yield Hit(None, None, params={"n": i})
