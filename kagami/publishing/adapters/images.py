"""Prepare a post image for one platform: format, bytes, pixels, aspect ratio (ARCHITECTURE.md,
"Publishing").

Every platform refuses images outside its own limits, and refuses them late, at publishing
time, when the post was approved long ago: Bluesky refuses a blob over 2,000,000 bytes, Instagram
publishes only JPEG and only between 4:5 and 1.91:1, LINE shows no preview over 1 MB. The
publishing worker therefore hands every image through `prepare(content, SPECS[code])` before it
reaches a platform adapter, and this one module, shared by all adapters, makes it fit:

* An image the platform takes as it is (format, bytes, sides and aspect ratio within the spec,
  upright, no location) goes through untouched: the same bytes, `changed=False`.
* Anything else is re-encoded without metadata: EXIF orientation applied, first frame of an
  animation (unless GIF is written), transparency flattened onto white for JPEG, colours
  converted to sRGB, padded with white (never cropped: a town notice's text must not be cut)
  into the aspect ratio range, scaled to the side limits, then JPEG quality stepped down and the
  image scaled down until it fits the byte limit. What cannot be made to fit is `ImageRefused`.
* A photo of residents must not say where it was taken: an image carrying a GPS location (EXIF
  or XMP) is always re-encoded, which drops it.

The real format is read from the bytes, never from a file name or a claimed type. Only common
raster formats are opened (no EPS, which would start Ghostscript), and images over
`MAX_PIXELS` are refused before they are decoded (decompression bombs). The same input always
gives the same bytes (with the same Pillow).

This is a pure library: Pillow only, no Django, no I/O; the worker decides what to do with a
refusal.
"""

from __future__ import annotations

import io
import math
import struct
import threading
from dataclasses import dataclass
from fractions import Fraction

from PIL import ExifTags, Image, ImageCms, ImageFile, UnidentifiedImageError

__all__ = [
    "BLUESKY",
    "FACEBOOK",
    "INSTAGRAM",
    "LINE_ORIGINAL",
    "LINE_PREVIEW",
    "MASTODON",
    "MAX_PIXELS",
    "SPECS",
    "THREADS",
    "ImageRefused",
    "ImageSpec",
    "Prepared",
    "X",
    "prepare",
]

JPEG = "image/jpeg"
PNG = "image/png"
GIF = "image/gif"
WEBP = "image/webp"

# Pixels decoded at most (width × height). Pillow itself warns above ~89 Mpx and refuses above
# twice that; a smaller limit keeps a worker's memory bounded (50 Mpx RGBA is 200 MB) and turns
# Pillow's warning into a refusal before anything is decoded.
MAX_PIXELS = 50_000_000
# Pixels over all frames of an animation that is decoded whole (checked, or kept animated);
# a longer one is checked and converted by its first frame only.
MAX_ANIMATION_PIXELS = 2 * MAX_PIXELS

# What is opened at all: the raster formats people upload. Anything else (EPS, PSD, ICO, ...)
# is refused as "not an image we can read" rather than handed to a rarely used decoder.
_READABLE = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF")  # JPEG also opens MPO
_MIME = {
    "JPEG": JPEG,
    "MPO": JPEG,  # a camera JPEG with extra pictures appended (Pillow's name for it)
    "PNG": PNG,
    "GIF": GIF,
    "WEBP": WEBP,
    "BMP": "image/bmp",
    "TIFF": "image/tiff",
}
# What can be written, by MIME type.
_ENCODERS = {JPEG: "JPEG", PNG: "PNG", GIF: "GIF", WEBP: "WEBP"}
_LOSSY = {JPEG, WEBP}
QUALITIES = (90, 85, 80, 75, 70, 65, 60, 55, 50)
_SCALE_STEP = 0.85  # at most this factor per round of scaling down for bytes
_SMALLEST_SIDE = 16  # scaling down for bytes stops here: smaller is no longer a picture
_WHITE = (255, 255, 255, 255)
_GPS_IFD = int(ExifTags.IFD.GPSInfo)
_ORIENTATION = int(ExifTags.Base.Orientation)
_XMP_TIFF_TAG = 700
# EXIF orientation → the turn that shows the picture upright (as in ImageOps.exif_transpose).
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
# Pillow's errors for a file it cannot read: truncated, corrupt, unsupported.
_UNREADABLE = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    struct.error,
    IndexError,
    KeyError,
    TypeError,
    ZeroDivisionError,
)


class ImageRefused(ValueError):
    """The bytes are not an image we can read, a decompression bomb, or cannot be made to fit
    the platform; the message says why, in plain English."""


@dataclass(frozen=True)
class ImageSpec:
    """What one platform takes.

    `max_side` is the longest side in pixels (larger is scaled down). `min_side` is the narrowest
    *width* the platform takes (Instagram and Threads state their minimum as a width; narrower is
    scaled up). Aspect ratios are width / height; outside the range the image is padded with
    white, never cropped. `target` is what a conversion writes; it must be one of `formats`.
    """

    name: str
    formats: frozenset[str]
    max_bytes: int
    max_side: int | None = None
    min_side: int | None = None
    min_aspect: float | None = None
    max_aspect: float | None = None
    target: str = JPEG

    def __post_init__(self) -> None:
        if self.target not in self.formats:
            raise ValueError(f"{self.name}: target {self.target} is not one of its formats")
        if self.target not in _ENCODERS:
            raise ValueError(f"{self.name}: cannot write {self.target}")
        if self.max_bytes <= 0:
            raise ValueError(f"{self.name}: max_bytes must be positive")
        for side in (self.max_side, self.min_side):
            if side is not None and side < 1:
                raise ValueError(f"{self.name}: sides must be at least 1 pixel")
        if self.max_side and self.min_side and self.min_side > self.max_side:
            raise ValueError(f"{self.name}: min_side is larger than max_side")
        for aspect in (self.min_aspect, self.max_aspect):
            if aspect is not None and not aspect > 0:
                raise ValueError(f"{self.name}: aspect ratios must be positive")
        if self.min_aspect and self.max_aspect and self.min_aspect > self.max_aspect:
            raise ValueError(f"{self.name}: min_aspect is larger than max_aspect")
        if (
            self.min_side
            and self.max_side
            and self.max_aspect
            and self.max_aspect * self.max_side < self.min_side
        ):
            raise ValueError(f"{self.name}: no picture is both as wide and as short as required")


@dataclass(frozen=True)
class Prepared:
    """The image as the platform gets it."""

    content: bytes
    content_type: str
    width: int
    height: int
    changed: bool  # False when the original bytes are passed through untouched


# Platform specs. "MB" in the platforms' documentation is read as 1,000,000 bytes, the stricter
# reading. Sources were read in 2026-12.

# X: "Image: 5 MB, GIF: 15 MB" and "Supported image media types: JPG, PNG, GIF, WEBP"
# (https://docs.x.com/x-api/media/introduction,
# https://docs.x.com/x-api/media/quickstart/best-practices). One limit for all, so GIFs keep to
# 5 MB too. Dimensions at most 8192×8192 per third-party guides (ayrshare.com media guidelines);
# X's own pages give none.
X = ImageSpec(
    name="x",
    formats=frozenset({JPEG, PNG, GIF, WEBP}),
    max_bytes=5_000_000,
    max_side=8192,
)

# Bluesky: app.bsky.embed.images lexicon, image blob `accept: ["image/*"]`, `maxSize: 2000000`
# ("May be up to 2 MB, formerly limited to 1 MB";
# https://github.com/bluesky-social/atproto/blob/main/lexicons/app/bsky/embed/images.json, and the
# installed atproto SDK's AppBskyEmbedImages.Image docstring). docs.bsky.app's posts guide still
# says 1,000,000 bytes; the lexicon is what the server validates. 4000 px is what the official
# app scales to before upload (IMAGE_SIZE_CONFIG_POSTS in bluesky-social/social-app
# src/lib/constants.ts). Formats: what the app view renders; a GIF would show as a still.
BLUESKY = ImageSpec(
    name="bluesky",
    formats=frozenset({JPEG, PNG, WEBP}),
    max_bytes=2_000_000,
    max_side=4000,
)

# Mastodon: the default is IMAGE_LIMIT = 16.megabytes (app/models/media_attachment.rb, 4.x); it
# was 8 MB and then 10 MB in older releases, and each server may set its own (GoToSocial,
# Pleroma, ...). 8,000,000 bytes fits every default, and costs nothing: Mastodon re-encodes every
# image to at most 8.3 megapixels (3840×2160) anyway. Attachmentable::MAX_MATRIX_LIMIT refuses
# images over 33,177,600 px (16,777,216 px = 4096×4096 in older releases), hence 4096 px.
# GIF is left out: GIF_MATRIX_LIMIT refuses GIFs over 921,600 px (1280×720) and animated GIFs
# become videos; a GIF is sent as a JPEG still instead. (docs.joinmastodon.org/user/posting,
# github.com/mastodon/mastodon app/models/concerns/attachmentable.rb)
MASTODON = ImageSpec(
    name="mastodon",
    formats=frozenset({JPEG, PNG, WEBP}),
    max_bytes=8_000_000,
    max_side=4096,
)

# Instagram (Content Publishing, IG User Media): "JPEG is the only allowed image format", max
# file size 8 MB, aspect ratio within 4:5 to 1.91:1, minimum width 320, maximum width 1440
# (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media,
# as quoted by docs.contentstudio.io "requirements to directly publish images ... to Instagram").
# 1440 is applied to the longest side, which also bounds the width.
INSTAGRAM = ImageSpec(
    name="instagram",
    formats=frozenset({JPEG}),
    max_bytes=8_000_000,
    max_side=1440,
    min_side=320,
    min_aspect=4 / 5,
    max_aspect=1.91,
)

# Threads: JPEG and PNG, 8 MB, "Aspect Ratio Limit: 10:1" (read as 1:10 to 10:1), minimum width
# 320, maximum width 1440, sRGB (https://developers.facebook.com/docs/threads/posts#image-specifications,
# as mirrored by ayrshare.com/docs/media-guidelines/threads). With 1440 on the longest side and
# 320 as the least width, pictures taller than 320:1440 are padded at the sides to that ratio.
THREADS = ImageSpec(
    name="threads",
    formats=frozenset({JPEG, PNG}),
    max_bytes=8_000_000,
    max_side=1440,
    min_side=320,
    min_aspect=1 / 10,
    max_aspect=10,
)

# Facebook Page photos: "Facebook supports the following formats: JPEG, BMP, PNG, GIF, TIFF",
# "Files must be 4MB or smaller in size", "For PNG files, try keep the file size below 1 MB. PNG
# files larger than 1 MB may appear pixelated after upload"
# (https://developers.facebook.com/docs/graph-api/reference/page/photos/). BMP and TIFF are
# converted (large, and Facebook re-encodes them anyway); GIFs do not animate there.
FACEBOOK = ImageSpec(
    name="facebook",
    formats=frozenset({JPEG, PNG}),
    max_bytes=4_000_000,
)

# LINE image message, originalContentUrl: JPEG or PNG, max file size 10 MB, no pixel limit
# since May 2020 (https://developers.line.biz/en/reference/messaging-api/#image-message,
# https://developers.line.biz/en/news/2020/05/12/messaging-api-update-may-2020/).
LINE_ORIGINAL = ImageSpec(
    name="line-original",
    formats=frozenset({JPEG, PNG}),
    max_bytes=10_000_000,
)

# LINE image message, previewImageUrl: JPEG or PNG, max file size 1 MB (same pages). The old
# 240×240 pixel limit is gone; 1024 px (the old originalContentUrl limit) keeps the preview
# light for members' phones and sharp in the chat bubble.
LINE_PREVIEW = ImageSpec(
    name="line-preview",
    formats=frozenset({JPEG, PNG}),
    max_bytes=1_000_000,
    max_side=1024,
)

_STRICT = threading.Lock()

SPECS: dict[str, ImageSpec] = {
    spec.name: spec
    for spec in (X, BLUESKY, MASTODON, INSTAGRAM, THREADS, FACEBOOK, LINE_ORIGINAL, LINE_PREVIEW)
}


def prepare(content: bytes, spec: ImageSpec) -> Prepared:
    """`content` made fit for the platform `spec` describes, untouched when it already fits.

    Raises ImageRefused when the bytes are not an image we can read, are a decompression bomb,
    or cannot be made to fit.
    """
    with _STRICT:
        # WeasyPrint (our PDFs) sets Pillow's process-wide LOAD_TRUNCATED_IMAGES when imported,
        # which would let a truncated upload through as a half-grey picture: refuse it here
        # whatever else the process imported.
        loose, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
        try:
            image = _open(content)
            try:
                return _prepare(image, content, spec)
            finally:
                image.close()
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = loose


def _prepare(image: Image.Image, content: bytes, spec: ImageSpec) -> Prepared:
    mime = _MIME.get(image.format or "", "")
    frames = _frame_count(image)
    exif = _exif(image)
    orientation = exif.get(_ORIENTATION, 1) if exif is not None else 1
    width, height = image.size
    if orientation in (5, 6, 7, 8):
        width, height = height, width

    if (
        mime in spec.formats
        and len(content) <= spec.max_bytes
        and orientation == 1
        and exif is not None  # unreadable metadata might hide a location: re-encode
        and not _has_location(image, exif)
        and image.mode not in ("CMYK", "YCbCr", "LAB")
        and (frames == 1 or mime == GIF)
        and _within(width, height, spec)
    ):
        _decode_all(image, frames)
        return Prepared(content, mime, width, height, changed=False)

    # Keep the format the platform takes (a crisp PNG notice, an animated GIF) if it fits at
    # full size; convert to the spec's target otherwise.
    keep = (
        mime in spec.formats
        and mime in _ENCODERS
        and mime != spec.target
        and (frames == 1 or mime == GIF)
    )
    upright = (width, height, orientation)
    if keep:
        fitted = _Fitter(image, frames, upright, spec, mime).first_try()
        if fitted is not None:
            return fitted
    return _Fitter(image, frames, upright, spec, spec.target).fit()


def _open(content: bytes) -> Image.Image:
    if not content:
        raise ImageRefused("The file is empty.")
    try:
        image = Image.open(io.BytesIO(content), formats=_READABLE)
    except Image.DecompressionBombError as exc:
        raise ImageRefused(f"The image is too large to open safely ({exc}).") from exc
    except UnidentifiedImageError as exc:
        raise ImageRefused(
            "The file is not an image Kagami can read (JPEG, PNG, GIF, WebP, BMP or TIFF)."
        ) from exc
    except _UNREADABLE as exc:
        raise ImageRefused(f"The image is damaged and cannot be read ({exc}).") from exc
    width, height = image.size
    limit = min(MAX_PIXELS, Image.MAX_IMAGE_PIXELS or MAX_PIXELS)
    if width < 1 or height < 1:
        image.close()
        raise ImageRefused("The image has no pixels.")
    if width * height > limit:
        image.close()
        raise ImageRefused(
            f"The image is too large: {width}×{height} pixels is more than "
            f"{limit / 1_000_000:g} megapixels (possibly a decompression bomb)."
        )
    return image


def _frame_count(image: Image.Image) -> int:
    try:
        return int(getattr(image, "n_frames", 1))
    except _UNREADABLE as exc:
        raise ImageRefused(f"The image is damaged and cannot be read ({exc}).") from exc


def _exif(image: Image.Image) -> Image.Exif | None:
    """The image's EXIF, or None when it cannot be read: unreadable metadata alone is no reason
    to refuse the picture, which is then re-encoded without it."""
    try:
        return image.getexif()
    except Image.DecompressionBombError as exc:
        raise ImageRefused(f"The image is too large to open safely ({exc}).") from exc
    except _UNREADABLE:
        return None


def _has_location(image: Image.Image, exif: Image.Exif) -> bool:
    """Whether the image may say where it was taken: an EXIF GPS block, or GPS in its XMP."""
    if _GPS_IFD in exif:
        return True
    try:
        if exif.get_ifd(_GPS_IFD):
            return True
    except _UNREADABLE:
        return True
    packets = [image.info.get("xmp"), image.info.get("XML:com.adobe.xmp")]
    tags = getattr(image, "tag_v2", None)
    if tags is not None:
        packets.append(tags.get(_XMP_TIFF_TAG))
    for packet in packets:
        if isinstance(packet, str):
            packet = packet.encode("utf-8", "replace")
        if isinstance(packet, bytes) and (b"GPSLatitude" in packet or b"GPSLongitude" in packet):
            return True
    return False


def _decode_all(image: Image.Image, frames: int) -> None:
    """Decode every pixel, so that a damaged file is refused here and not by the platform (all
    frames of an animation within MAX_ANIMATION_PIXELS, the first one of a longer one)."""
    width, height = image.size
    if frames * width * height > MAX_ANIMATION_PIXELS:
        frames = 1
    try:
        for index in range(frames):
            image.seek(index)
            image.load()
        image.seek(0)
    except Image.DecompressionBombError as exc:
        raise ImageRefused(f"The image is too large to open safely ({exc}).") from exc
    except _UNREADABLE as exc:
        raise ImageRefused(f"The image is damaged or incomplete ({exc}).") from exc


def _within(width: int, height: int, spec: ImageSpec) -> bool:
    """Whether a width×height picture already meets the spec's pixel constraints."""
    if spec.max_side and max(width, height) > spec.max_side:
        return False
    if spec.min_side and width < spec.min_side:
        return False
    low, high = _ratio(spec.min_aspect), _ratio(spec.max_aspect)
    if low is not None and width * low.denominator < height * low.numerator:
        return False
    return not (high is not None and width * high.denominator > height * high.numerator)


def _ratio(aspect: float | None) -> Fraction | None:
    """An aspect ratio as an exact fraction (4/5, 191/100), so comparisons do not round."""
    return None if aspect is None else Fraction(aspect).limit_denominator(10_000)


def _canvas(width: int, height: int, spec: ImageSpec, max_side: int | None) -> tuple[int, int]:
    """The size of the picture the platform gets: width×height padded (never cropped) into the
    aspect ratio range, then scaled to the side limits, in whole pixels that meet them exactly."""
    low, high = _ratio(spec.min_aspect), _ratio(spec.max_aspect)
    least = spec.min_side
    if least and max_side:
        if least > max_side:
            raise ImageRefused(
                f"The image cannot be made to fit {spec.name}: it would have to be narrower than "
                f"the {least} pixels the platform requires."
            )
        # At least `least` wide and at most `max_side` tall: no taller than least:max_side.
        low = max(low or Fraction(0), Fraction(least, max_side))
    if low is not None and high is not None and low > high:
        raise ImageRefused(f"The image cannot be made to fit {spec.name}'s size limits.")

    aspect = Fraction(width, height)
    padded_width, padded_height = Fraction(width), Fraction(height)
    if low is not None and aspect < low:
        padded_width = padded_height * low
    elif high is not None and aspect > high:
        padded_height = padded_width / high
    scale = Fraction(1)
    longest = max(padded_width, padded_height)
    if max_side and longest > max_side:
        scale = max_side / longest
    if least and padded_width * scale < least:
        scale = least / padded_width
    w = max(1, round(padded_width * scale))
    h = max(1, round(padded_height * scale))

    # Whole pixels: nudge by a pixel where rounding left a limit crossed.
    if max_side:
        w, h = min(w, max_side), min(h, max_side)
    if least:
        w = max(w, least)
    if low is not None and w * low.denominator < h * low.numerator:
        w = math.ceil(h * low)
        if max_side and w > max_side:
            w = max_side
            h = max(1, math.floor(w / low))
    if high is not None and w * high.denominator > h * high.numerator:
        h = math.ceil(w / high)
        if max_side and h > max_side:
            h = max_side
            w = max(1, math.floor(h * high))
    if _fits(w, h, low, high, least, max_side):
        return w, h
    # Very narrow ranges (a fixed aspect ratio): search for the nearest height that meets them
    # all, smaller first.
    start = min(h, max_side or h)
    for tall in [*range(start, 0, -1), *range(start + 1, (max_side or 10 * start + 1000) + 1)]:
        wide = max(least or 1, math.ceil(tall * low) if low is not None else 1)
        if _fits(wide, tall, low, high, least, max_side):
            return wide, tall
    raise ImageRefused(f"The image cannot be made to fit {spec.name}'s size limits.")


def _fits(
    w: int,
    h: int,
    low: Fraction | None,
    high: Fraction | None,
    least: int | None,
    max_side: int | None,
) -> bool:
    return (
        w >= 1
        and h >= 1
        and (not max_side or max(w, h) <= max_side)
        and (not least or w >= least)
        and (low is None or w * low.denominator >= h * low.numerator)
        and (high is None or w * high.denominator <= h * high.numerator)
    )


class _Fitter:
    """Renders one image in one output format at ever smaller sizes until it fits the bytes."""

    def __init__(
        self,
        image: Image.Image,
        frames: int,
        upright: tuple[int, int, int],
        spec: ImageSpec,
        content_type: str,
    ) -> None:
        self.spec = spec
        self.content_type = content_type
        self.format = _ENCODERS[content_type]
        self.width, self.height, self.orientation = upright  # as shown, and EXIF's turn
        self.animate = (
            self.format == "GIF"
            and frames > 1
            and frames * image.size[0] * image.size[1] <= MAX_ANIMATION_PIXELS
        )
        self.durations: list[int] = []
        self.loop: int | None = image.info.get("loop")
        first = _canvas(self.width, self.height, spec, spec.max_side)
        self.bases = self._load(image, frames, first)

    def _load(self, image: Image.Image, frames: int, canvas: tuple[int, int]) -> list[Image.Image]:
        """The upright, sRGB, RGB(A) pictures to render from: all frames when animating."""
        keep_alpha = self.format != "JPEG"
        try:
            if not self.animate and image.format in ("JPEG", "MPO"):
                # Let the JPEG decoder scale down by 2, 4 or 8 when far more pixels than needed
                # are stored: much faster, and the result is still at least as large as needed.
                needed = _content_size(self.width, self.height, canvas)
                stored = needed if image.size == (self.width, self.height) else needed[::-1]
                image.draft(image.mode, stored)
            # EXIF orientation applied as ImageOps.exif_transpose does, from the orientation
            # read once (the EXIF is not parsed again, and unreadable EXIF means upright).
            turn = _TRANSPOSE.get(self.orientation)
            bases = []
            for index in range(frames if self.animate else 1):
                image.seek(index)
                image.load()
                self.durations.append(int(image.info.get("duration", 100) or 100))
                if turn is not None:
                    frame = image.transpose(turn)  # a new, upright image
                else:
                    frame = image.copy() if self.animate else image
                bases.append(_normalise(frame, keep_alpha))
            image.seek(0)
        except Image.DecompressionBombError as exc:
            raise ImageRefused(f"The image is too large to open safely ({exc}).") from exc
        except _UNREADABLE as exc:
            raise ImageRefused(f"The image is damaged or incomplete ({exc}).") from exc
        size = bases[0].size  # every frame on the first one's canvas
        return [b if b.size == size else b.resize(size) for b in bases]

    def first_try(self) -> Prepared | None:
        """At full size and best quality, or None when that is over the byte limit."""
        rendered, size = self._render(self.spec.max_side)
        content = self._encode(rendered, QUALITIES[0])
        return self._result(content, size) if len(content) <= self.spec.max_bytes else None

    def fit(self) -> Prepared:
        """Best quality first, then lower JPEG/WebP quality down to the last step, then smaller
        and smaller until the bytes fit."""
        limit = self.spec.max_bytes
        rendered, size = self._render(self.spec.max_side)
        content = self._encode(rendered, QUALITIES[0])
        if len(content) <= limit:
            return self._result(content, size)
        quality = QUALITIES[0]
        if self.content_type in _LOSSY:
            quality = QUALITIES[-1]
            lowest = self._encode(rendered, quality)
            if len(lowest) <= limit:
                return self._result(self._best_quality(rendered, lowest), size)
            content = lowest
        while True:
            factor = min(_SCALE_STEP, max(0.25, math.sqrt(limit / len(content)) * 0.95))
            side = math.floor(max(size) * factor)
            if side < _SMALLEST_SIDE or (self.spec.min_side and side < self.spec.min_side):
                raise ImageRefused(
                    f"The image cannot be made small enough for {self.spec.name} "
                    f"({limit:,} bytes at most) without losing the picture."
                )
            rendered, size = self._render(side)
            content = self._encode(rendered, quality)
            if len(content) <= limit:
                return self._result(content, size)

    def _best_quality(self, rendered: list[Image.Image], lowest: bytes) -> bytes:
        """The highest quality step that fits, by bisection (QUALITIES[0] is known not to)."""
        over, under, best = 0, len(QUALITIES) - 1, lowest
        while under - over > 1:
            middle = (over + under) // 2
            content = self._encode(rendered, QUALITIES[middle])
            if len(content) <= self.spec.max_bytes:
                under, best = middle, content
            else:
                over = middle
        return best

    def _render(self, max_side: int | None) -> tuple[list[Image.Image], tuple[int, int]]:
        canvas = _canvas(self.width, self.height, self.spec, max_side)
        content = _content_size(self.width, self.height, canvas)
        return [_place(base, content, canvas) for base in self.bases], canvas

    def _encode(self, frames: list[Image.Image], quality: int) -> bytes:
        out = io.BytesIO()
        first = frames[0]
        first.info = {}
        if self.format == "JPEG":
            first.save(out, "JPEG", quality=quality, optimize=True)
        elif self.format == "WEBP":
            first.save(out, "WEBP", quality=quality, method=4)
        elif self.format == "PNG":
            # zlib's default level: `optimize` (level 9) saves ~3% at 5-10× the time, and
            # minutes on dithered pictures; what is still too large is scaled down.
            first.save(out, "PNG", compress_level=6)
        else:
            for frame in frames:
                frame.info = {}
            options: dict[str, object] = {}
            if len(frames) > 1:
                options["duration"] = self.durations[: len(frames)]
                if self.loop is not None:
                    options["loop"] = self.loop
            first.save(
                out,
                "GIF",
                save_all=len(frames) > 1,
                append_images=frames[1:],
                disposal=2,
                **options,
            )
        return out.getvalue()

    def _result(self, content: bytes, size: tuple[int, int]) -> Prepared:
        return Prepared(content, self.content_type, size[0], size[1], changed=True)


def _content_size(width: int, height: int, canvas: tuple[int, int]) -> tuple[int, int]:
    """The picture's size inside the canvas: as large as fits, aspect ratio kept."""
    canvas_width, canvas_height = canvas
    scale = min(Fraction(canvas_width, width), Fraction(canvas_height, height))
    return (
        min(canvas_width, max(1, round(width * scale))),
        min(canvas_height, max(1, round(height * scale))),
    )


def _place(base: Image.Image, content: tuple[int, int], canvas: tuple[int, int]) -> Image.Image:
    """`base` scaled to `content` and centred on a white canvas (a new image: the encoder clears
    its metadata)."""
    if base.size == content:
        picture = base.copy()
    elif content[0] < base.size[0]:
        picture = base.resize(content, Image.Resampling.LANCZOS, reducing_gap=3.0)
    else:
        picture = base.resize(content, Image.Resampling.LANCZOS)
    if content == canvas:
        return picture
    page = Image.new(picture.mode, canvas, _WHITE if picture.mode == "RGBA" else _WHITE[:3])
    page.paste(picture, ((canvas[0] - content[0]) // 2, (canvas[1] - content[1]) // 2))
    return page


def _normalise(frame: Image.Image, keep_alpha: bool) -> Image.Image:
    """`frame` as 8-bit sRGB "RGB", or "RGBA" when it is transparent and `keep_alpha` (otherwise
    flattened onto white). Metadata is dropped when encoding."""
    icc = frame.info.get("icc_profile")
    transparent = frame.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        frame.mode in ("P", "L", "RGB") and "transparency" in frame.info
    )
    frame = _eight_bit(frame)
    if frame.mode not in ("RGB", "RGBA", "L", "CMYK"):
        frame = frame.convert("RGBA" if transparent else "RGB")
    if icc:
        frame = _to_srgb(frame, icc)
    if frame.mode != ("RGBA" if transparent else "RGB"):
        frame = frame.convert("RGBA" if transparent else "RGB")
    if frame.mode == "RGBA" and not keep_alpha:
        page = Image.new("RGBA", frame.size, _WHITE)
        frame = Image.alpha_composite(page, frame).convert("RGB")
    return frame


def _eight_bit(frame: Image.Image) -> Image.Image:
    """16-bit, 32-bit and float greys as 8-bit "L" (scaled, not clipped), bilevel as "L"."""
    if frame.mode.startswith("I;16") or frame.mode == "I":
        wide = frame if frame.mode == "I" else frame.convert("I")
        high = wide.getextrema()[1]
        if isinstance(high, int | float) and high > 255:
            wide = wide.point(lambda value: value / 257)
        return wide.convert("L")
    if frame.mode in ("F", "1"):
        return frame.convert("L")
    return frame


def _to_srgb(frame: Image.Image, icc: bytes) -> Image.Image:
    """Colours converted from the embedded ICC profile to sRGB; as they are when the profile does
    not fit the pixels or cannot be read."""
    out_mode = "RGBA" if frame.mode == "RGBA" else "RGB"
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(
            frame,
            source,
            ImageCms.createProfile("sRGB"),
            renderingIntent=ImageCms.Intent.PERCEPTUAL,
            outputMode=out_mode,
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return frame
    return converted if converted is not None else frame
