"""Post images made fit for each platform (kagami/publishing/adapters/images.py): real files of
every format made with Pillow, photos that compress badly, extreme shapes, broken and hostile
files, and a property over generated images for every platform's spec."""

import ast
import io
import random
import struct
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import ExifTags, Image, ImageCms, ImageDraw, ImageOps

from kagami.publishing.adapters import images
from kagami.publishing.adapters.images import (
    BLUESKY,
    FACEBOOK,
    INSTAGRAM,
    LINE_ORIGINAL,
    LINE_PREVIEW,
    MASTODON,
    SPECS,
    THREADS,
    ImageRefused,
    ImageSpec,
    Prepared,
    X,
    prepare,
)

JPEG, PNG, GIF, WEBP = "image/jpeg", "image/png", "image/gif", "image/webp"
MIME = {"JPEG": JPEG, "MPO": JPEG, "PNG": PNG, "GIF": GIF, "WEBP": WEBP}
RED, GREEN, BLUE, WHITE = (220, 20, 20), (20, 200, 40), (20, 40, 220), (255, 255, 255)
TOKYO = {1: "N", 2: (35.0, 41.0, 22.0), 3: "E", 4: (139.0, 41.0, 30.0)}
XMP_WITH_GPS = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    b'xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="35,41.37N" '
    b'exif:GPSLongitude="139,41.5E"/></rdf:RDF></x:xmpmeta>'
)


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def opened(prepared: Prepared) -> Image.Image:
    image = Image.open(io.BytesIO(prepared.content))
    image.load()
    return image


def header(prepared: Prepared) -> Image.Image:
    """The prepared image opened as a platform first looks at it: format and size, no pixels."""
    return Image.open(io.BytesIO(prepared.content))


def real_type(prepared: Prepared) -> str:
    return MIME.get(Image.open(io.BytesIO(prepared.content)).format or "", "?")


def noise(width: int, height: int, seed: int = 0) -> Image.Image:
    """A photo as far as compression goes: random pixels, the worst case for JPEG."""
    return Image.frombytes(
        "RGB", (width, height), random.Random(seed).randbytes(width * height * 3)
    )


def halves(width: int, height: int, left: tuple[int, ...], right: tuple[int, ...]) -> Image.Image:
    image = Image.new("RGB", (width, height), left)
    ImageDraw.Draw(image).rectangle((width // 2, 0, width, height), fill=right)
    return image


def near(pixel: object, colour: tuple[int, ...], tolerance: int = 40) -> bool:
    assert isinstance(pixel, tuple)
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=False))


def assert_fits(prepared: Prepared, spec: ImageSpec) -> None:
    """What the platform checks: the real format, the bytes, the sides, the aspect ratio."""
    image = header(prepared)
    assert MIME.get(image.format or "") in spec.formats
    assert prepared.content_type == MIME[image.format or ""]
    assert len(prepared.content) <= spec.max_bytes
    assert image.size == (prepared.width, prepared.height)
    width, height = image.size
    if spec.max_side:
        assert max(width, height) <= spec.max_side
    if spec.min_side:
        assert width >= spec.min_side
    # Whole pixels: a ratio may be off by the rounding of one pixel, never more.
    if spec.min_aspect:
        assert width + 1 >= height * spec.min_aspect
    if spec.max_aspect:
        assert width - 1 <= height * spec.max_aspect


# Untouched when the platform takes the image as it is


@pytest.mark.parametrize(
    ("image", "fmt", "options", "spec"),
    [
        (halves(1200, 800, RED, BLUE), "JPEG", {"quality": 85}, X),
        (halves(1200, 800, RED, BLUE), "JPEG", {"quality": 85, "progressive": True}, X),
        (halves(1080, 1080, RED, BLUE), "JPEG", {"quality": 85, "progressive": True}, INSTAGRAM),
        (halves(1080, 1350, RED, BLUE), "JPEG", {"quality": 85}, INSTAGRAM),
        (halves(1080, 566, RED, BLUE), "JPEG", {"quality": 85}, INSTAGRAM),
        (halves(800, 600, RED, BLUE).convert("RGBA"), "PNG", {}, BLUESKY),
        (halves(800, 600, RED, BLUE), "WEBP", {"quality": 80}, X),
        (halves(800, 600, RED, BLUE), "PNG", {}, THREADS),
        (halves(800, 600, RED, BLUE), "PNG", {}, FACEBOOK),
        (halves(800, 600, RED, BLUE), "JPEG", {}, LINE_ORIGINAL),
        (halves(240, 240, RED, BLUE), "JPEG", {}, LINE_PREVIEW),
        (halves(800, 600, RED, BLUE), "WEBP", {}, MASTODON),
    ],
)
def test_an_image_the_platform_takes_is_passed_through_byte_for_byte(
    image: Image.Image, fmt: str, options: dict[str, object], spec: ImageSpec
) -> None:
    content = encode(image, fmt, **options)

    prepared = prepare(content, spec)

    assert prepared.changed is False
    assert prepared.content is content
    assert (prepared.width, prepared.height) == image.size
    assert prepared.content_type == MIME[fmt]


def test_an_animated_gif_goes_to_x_as_it_is() -> None:
    frames = [Image.new("RGB", (64, 48), colour) for colour in (RED, GREEN, BLUE)]
    content = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)

    prepared = prepare(content, X)

    assert prepared.changed is False
    assert prepared.content == content
    assert getattr(opened(prepared), "n_frames", 1) == 3


def test_a_palette_png_with_transparency_goes_to_bluesky_as_it_is() -> None:
    image = Image.new("P", (64, 64), 0)
    image.putpalette([255, 255, 255, 220, 20, 20] + [0] * 762)
    ImageDraw.Draw(image).rectangle((16, 16, 47, 47), fill=1)
    content = encode(image, "PNG", transparency=0)

    assert prepare(content, BLUESKY) == Prepared(content, PNG, 64, 64, changed=False)


def test_a_16_bit_png_goes_to_threads_as_it_is() -> None:
    content = encode(Image.new("I;16", (400, 300), 32768), "PNG")

    prepared = prepare(content, THREADS)

    assert prepared.changed is False
    assert prepared.content == content


def test_the_format_is_read_from_the_bytes_not_from_a_claim() -> None:
    # A PNG is a PNG for Instagram whatever it was called; there is no name to go by at all.
    content = encode(halves(1080, 1080, RED, BLUE), "PNG")

    prepared = prepare(content, INSTAGRAM)

    assert prepared.changed is True
    assert real_type(prepared) == JPEG == prepared.content_type


# Converted when the platform does not take the format


@pytest.mark.parametrize(
    ("fmt", "spec"),
    [
        ("PNG", INSTAGRAM),
        ("WEBP", INSTAGRAM),
        ("WEBP", LINE_ORIGINAL),
        ("BMP", FACEBOOK),
        ("TIFF", THREADS),
        ("TIFF", X),
        ("GIF", BLUESKY),
        ("GIF", MASTODON),
        ("BMP", LINE_PREVIEW),
    ],
)
def test_a_format_the_platform_does_not_take_becomes_a_jpeg(fmt: str, spec: ImageSpec) -> None:
    content = encode(halves(800, 600, RED, BLUE), fmt)

    prepared = prepare(content, spec)

    assert prepared.changed is True
    assert_fits(prepared, spec)
    assert real_type(prepared) == JPEG
    image = opened(prepared)
    assert near(image.getpixel((100, 300)), RED)
    assert near(image.getpixel((700, 300)), BLUE)


def test_transparency_is_flattened_onto_white_for_jpeg() -> None:
    image = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle((100, 100, 299, 299), fill=(*RED, 255))

    prepared = prepare(encode(image, "PNG"), INSTAGRAM)

    result = opened(prepared)
    assert result.mode == "RGB"
    assert near(result.getpixel((10, 10)), WHITE, 3)  # was transparent (black underneath)
    assert near(result.getpixel((200, 200)), RED)
    assert prepared.width >= 320


def test_a_palette_png_with_transparency_is_flattened_onto_white_for_instagram() -> None:
    image = Image.new("P", (400, 400), 0)
    image.putpalette([0, 0, 0, 220, 20, 20] + [0] * 762)
    ImageDraw.Draw(image).rectangle((100, 100, 299, 299), fill=1)

    prepared = prepare(encode(image, "PNG", transparency=0), INSTAGRAM)

    result = opened(prepared)
    assert near(result.getpixel((10, 10)), WHITE, 3)
    assert near(result.getpixel((200, 200)), RED)


def test_a_cmyk_jpeg_becomes_an_rgb_jpeg_with_the_same_colours() -> None:
    content = encode(Image.new("CMYK", (300, 200), (0, 255, 255, 0)), "JPEG", quality=90)

    prepared = prepare(content, X)

    assert prepared.changed is True
    result = opened(prepared)
    assert result.mode == "RGB"
    assert near(result.getpixel((150, 100)), (255, 0, 0))


def test_a_16_bit_grey_is_scaled_to_8_bits_not_clipped_to_white() -> None:
    content = encode(Image.new("I;16", (400, 400), 32768), "PNG")

    prepared = prepare(content, INSTAGRAM)

    pixel = opened(prepared).getpixel((200, 200))
    assert near(pixel, (128, 128, 128), 3)


def test_an_animation_sends_its_first_frame_where_gif_is_not_taken() -> None:
    frames = [Image.new("RGB", (64, 48), colour) for colour in (RED, GREEN, BLUE)]
    content = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)

    prepared = prepare(content, INSTAGRAM)

    result = opened(prepared)
    assert result.format == "JPEG"
    assert getattr(result, "n_frames", 1) == 1
    assert near(result.getpixel((prepared.width // 2, prepared.height // 2)), RED)


def test_an_animation_stays_animated_when_gif_is_written() -> None:
    spec = ImageSpec("gif-only", frozenset({GIF}), max_bytes=1_000_000, max_side=32, target=GIF)
    frames = [Image.new("RGB", (64, 48), colour) for colour in (RED, GREEN, BLUE)]
    content = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)

    prepared = prepare(content, spec)

    result = opened(prepared)
    assert (prepared.width, prepared.height) == (32, 24)
    assert getattr(result, "n_frames", 1) == 3
    result.seek(2)
    assert near(result.convert("RGB").getpixel((16, 12)), BLUE)


def test_a_camera_jpeg_with_extra_pictures_sends_only_its_first_picture() -> None:
    # MPO: a JPEG with more pictures appended (depth maps, stereo pairs), each with its own
    # metadata; only the first is sent, re-encoded.
    content = encode(
        halves(400, 300, RED, BLUE), "MPO", save_all=True, append_images=[noise(400, 300)]
    )
    assert Image.open(io.BytesIO(content)).format == "MPO"

    prepared = prepare(content, X)

    result = opened(prepared)
    assert prepared.changed is True
    assert (result.format, getattr(result, "n_frames", 1)) == ("JPEG", 1)
    assert near(result.getpixel((50, 150)), RED)


def test_a_png_the_platform_takes_stays_a_png_when_only_its_size_changes() -> None:
    image = Image.new("RGBA", (3000, 2000), (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle((1000, 500, 1999, 1499), fill=(*RED, 255))

    prepared = prepare(encode(image, "PNG"), THREADS)

    result = opened(prepared)
    assert result.format == "PNG"
    assert (prepared.width, prepared.height) == (1440, 960)
    assert result.mode == "RGBA"
    assert result.getpixel((5, 5))[3] == 0  # still transparent


def test_a_png_photo_too_heavy_for_the_platform_becomes_a_jpeg() -> None:
    content = encode(noise(1000, 750, seed=3), "PNG")
    assert len(content) > LINE_PREVIEW.max_bytes

    prepared = prepare(content, LINE_PREVIEW)

    assert real_type(prepared) == JPEG
    assert_fits(prepared, LINE_PREVIEW)
    assert (prepared.width, prepared.height) == (1000, 750)  # lower quality, not fewer pixels


# Orientation and metadata


def test_exif_orientation_is_applied() -> None:
    stored = halves(200, 100, RED, BLUE)  # red left, blue right, as stored
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # shown rotated 90° clockwise
    content = encode(stored, "JPEG", exif=exif, quality=95)
    shown = ImageOps.exif_transpose(Image.open(io.BytesIO(content)))

    prepared = prepare(content, X)

    result = opened(prepared)
    assert prepared.changed is True
    assert result.size == shown.size == (100, 200)
    assert near(result.getpixel((50, 30)), shown.getpixel((50, 30)))  # type: ignore[arg-type]
    assert near(result.getpixel((50, 30)), RED)
    assert near(result.getpixel((50, 170)), BLUE)
    assert ExifTags.Base.Orientation not in result.getexif()


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_is_shown_as_pillow_shows_it(orientation: int) -> None:
    quadrants = Image.new("RGB", (120, 80), RED)
    draw = ImageDraw.Draw(quadrants)
    draw.rectangle((60, 0, 119, 39), fill=GREEN)
    draw.rectangle((0, 40, 59, 79), fill=BLUE)
    draw.rectangle((60, 40, 119, 79), fill=WHITE)
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    content = encode(quadrants, "JPEG", exif=exif, quality=95)
    shown = ImageOps.exif_transpose(Image.open(io.BytesIO(content)))

    prepared = prepare(content, X)

    result = opened(prepared)
    assert prepared.changed is (orientation != 1)
    assert result.size == shown.size == (prepared.width, prepared.height)
    w, h = result.size
    for x, y in (
        (w // 4, h // 4),
        (w * 3 // 4, h // 4),
        (w // 4, h * 3 // 4),
        (w * 3 // 4, h * 3 // 4),
    ):
        assert near(result.getpixel((x, y)), shown.getpixel((x, y)))  # type: ignore[arg-type]


def test_a_photo_that_says_where_it_was_taken_is_re_encoded_without_it() -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Kagami"
    exif[ExifTags.IFD.GPSInfo] = TOKYO
    photo = halves(800, 600, RED, BLUE)
    content = encode(photo, "JPEG", exif=exif, quality=90)
    assert Image.open(io.BytesIO(content)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    for spec in SPECS.values():
        prepared = prepare(content, spec)

        assert prepared.changed is True, spec.name
        result = opened(prepared)
        assert not result.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert len(result.getexif()) == 0
        assert b"Kagami" not in prepared.content
        assert_fits(prepared, spec)


def test_the_same_photo_without_a_location_is_passed_through() -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Kagami"
    content = encode(halves(800, 600, RED, BLUE), "JPEG", exif=exif, quality=90)

    assert prepare(content, X).changed is False


def test_a_location_in_xmp_counts_too() -> None:
    content = encode(halves(800, 600, RED, BLUE), "JPEG", xmp=XMP_WITH_GPS)

    prepared = prepare(content, X)

    assert prepared.changed is True
    assert b"GPSLatitude" not in prepared.content


def test_a_location_in_a_png_counts_too() -> None:
    exif = Image.Exif()
    exif[ExifTags.IFD.GPSInfo] = TOKYO
    content = encode(halves(800, 600, RED, BLUE), "PNG", exif=exif)

    prepared = prepare(content, THREADS)

    assert prepared.changed is True
    assert real_type(prepared) == PNG  # Threads takes PNG: only the location went
    assert not opened(prepared).getexif().get_ifd(ExifTags.IFD.GPSInfo)


def test_a_re_encoded_image_carries_no_colour_profile_and_no_exif() -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Kagami"
    content = encode(halves(400, 400, RED, BLUE), "PNG", icc_profile=srgb, exif=exif)

    prepared = prepare(content, INSTAGRAM)

    result = opened(prepared)
    assert "icc_profile" not in result.info
    assert "exif" not in result.info
    assert near(result.getpixel((100, 200)), RED)


# Bytes


@pytest.fixture(scope="module")
def camera_photo() -> bytes:
    """A 12-megapixel photo that compresses as badly as a photo can (14 MB as a JPEG)."""
    return encode(noise(4000, 3000), "JPEG", quality=95)


@pytest.mark.parametrize("spec", [LINE_PREVIEW, BLUESKY])
def test_a_heavy_photo_is_brought_under_the_byte_limit(
    camera_photo: bytes, spec: ImageSpec
) -> None:
    assert len(camera_photo) > spec.max_bytes

    prepared = prepare(camera_photo, spec)

    assert prepared.changed is True
    assert_fits(prepared, spec)
    assert prepared.width / prepared.height == pytest.approx(4 / 3, abs=0.01)


def test_the_line_preview_is_small(camera_photo: bytes) -> None:
    prepared = prepare(camera_photo, LINE_PREVIEW)

    assert len(prepared.content) <= 1_000_000
    assert (prepared.width, prepared.height) == (1024, 768)


def test_the_same_image_gives_the_same_bytes() -> None:
    content = encode(noise(900, 700, seed=5), "PNG")

    first, second = prepare(content, INSTAGRAM), prepare(content, INSTAGRAM)

    assert first == second


def test_an_image_that_cannot_be_made_small_enough_is_refused() -> None:
    spec = ImageSpec("stingy", frozenset({JPEG}), max_bytes=100)

    with pytest.raises(ImageRefused, match="cannot be made small enough for stingy"):
        prepare(encode(noise(400, 300), "PNG"), spec)


# Pixels and aspect ratio: padded, never cropped


def test_a_wide_banner_is_padded_into_instagrams_range_at_full_width() -> None:
    banner = Image.new("RGB", (3000, 300), RED)

    prepared = prepare(encode(banner, "PNG"), INSTAGRAM)

    result = opened(prepared)
    assert_fits(prepared, INSTAGRAM)
    assert prepared.width / prepared.height <= 1.91
    assert prepared.width == 1440
    middle = prepared.height // 2
    # The banner spans the whole width (nothing cut), with white above and below it.
    assert near(result.getpixel((0, middle)), RED)
    assert near(result.getpixel((prepared.width - 1, middle)), RED)
    assert near(result.getpixel((prepared.width // 2, 2)), WHITE, 3)
    assert near(result.getpixel((prepared.width // 2, prepared.height - 3)), WHITE, 3)
    red_rows = [y for y in range(prepared.height) if near(result.getpixel((720, y)), RED)]
    assert len(red_rows) == pytest.approx(300 * 1440 / 3000, abs=2)


def test_a_tall_strip_is_padded_into_instagrams_range_at_full_height() -> None:
    strip = Image.new("RGB", (300, 3000), BLUE)

    prepared = prepare(encode(strip, "PNG"), INSTAGRAM)

    result = opened(prepared)
    assert_fits(prepared, INSTAGRAM)
    assert prepared.width / prepared.height >= 0.8
    assert prepared.height == 1440
    centre = prepared.width // 2
    assert near(result.getpixel((centre, 0)), BLUE)
    assert near(result.getpixel((centre, prepared.height - 1)), BLUE)
    assert near(result.getpixel((2, prepared.height // 2)), WHITE, 3)
    assert near(result.getpixel((prepared.width - 3, prepared.height // 2)), WHITE, 3)


def test_an_image_wider_than_threads_allows_is_padded_not_cut() -> None:
    prepared = prepare(encode(Image.new("RGB", (3000, 100), RED), "PNG"), THREADS)

    assert_fits(prepared, THREADS)
    assert (prepared.width, prepared.height) == (1440, 144)


def test_a_large_image_is_scaled_down_to_the_longest_side() -> None:
    prepared = prepare(encode(halves(3000, 2000, RED, BLUE), "JPEG"), INSTAGRAM)

    assert (prepared.width, prepared.height) == (1440, 960)


@pytest.mark.parametrize(
    ("size", "spec", "expected"),
    [((10, 10), INSTAGRAM, (320, 320)), ((100, 50), THREADS, (320, 160))],
)
def test_a_tiny_image_is_scaled_up_to_the_least_width(
    size: tuple[int, int], spec: ImageSpec, expected: tuple[int, int]
) -> None:
    prepared = prepare(encode(Image.new("RGB", size, GREEN), "JPEG"), spec)

    assert (prepared.width, prepared.height) == expected
    assert near(opened(prepared).getpixel((expected[0] // 2, expected[1] // 2)), GREEN)


# Refused: not an image, damaged, hostile


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header claims width×height pixels, with almost no data behind it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 1024))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        ("お知らせ: 明日は休館日です。\n".encode(), "not an image"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "not an image"),
        (random.Random(7).randbytes(4096), "not an image"),
        (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n", "not an image"),
        (png_declaring(100_000, 100_000), "too large"),
        (png_declaring(8000, 7000), "too large"),
    ],
)
def test_what_is_not_a_readable_image_is_refused(content: bytes, reason: str) -> None:
    for spec in (X, INSTAGRAM):
        with pytest.raises(ImageRefused, match=reason):
            prepare(content, spec)


def test_an_image_pillow_only_warns_about_is_refused_all_the_same() -> None:
    # 100 megapixels: Pillow warns (DecompressionBombWarning) and would go on decoding.
    with pytest.warns(Image.DecompressionBombWarning), pytest.raises(ImageRefused, match="bomb"):
        prepare(png_declaring(10_000, 10_000), X)


@pytest.mark.parametrize("spec", [X, INSTAGRAM, LINE_PREVIEW])
def test_a_truncated_image_is_refused(spec: ImageSpec) -> None:
    whole = encode(noise(600, 400), "JPEG", quality=90)

    with pytest.raises(ImageRefused, match="damaged"):
        prepare(whole[: len(whole) // 2], spec)


@pytest.mark.parametrize("fmt", ["PNG", "GIF", "WEBP"])
def test_a_corrupt_image_is_refused(fmt: str) -> None:
    whole = bytearray(encode(noise(300, 200), fmt))
    whole[len(whole) // 3 : len(whole) // 3 + 200] = bytes(200)

    with pytest.raises(ImageRefused):
        prepare(bytes(whole[: len(whole) * 2 // 3]), X)


def test_a_truncated_image_is_refused_even_after_weasyprint_loosened_pillow(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from PIL import ImageFile

    # What `import weasyprint` does to the whole process.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    whole = encode(noise(600, 400), "JPEG", quality=90)
    with pytest.raises(ImageRefused, match="damaged"):
        prepare(whole[: len(whole) // 2], X)
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # left as the process had it


def test_the_refusal_is_a_value_error_with_a_plain_english_reason() -> None:
    with pytest.raises(ValueError, match=r"^The file is not an image Kagami can read"):
        prepare(b"hello", X)


# The specs


def test_every_platform_has_a_spec_under_its_name() -> None:
    assert set(SPECS) == {
        "x",
        "bluesky",
        "mastodon",
        "instagram",
        "threads",
        "facebook",
        "line-original",
        "line-preview",
    }
    for name, spec in SPECS.items():
        assert spec.name == name
        assert spec.target in spec.formats
    assert INSTAGRAM.formats == {JPEG}
    assert BLUESKY.max_bytes <= 2_000_000
    assert LINE_PREVIEW.max_bytes <= 1_000_000


@pytest.mark.parametrize(
    "arguments",
    [
        {"formats": frozenset({PNG})},  # target JPEG is not taken
        {"formats": frozenset({"image/bmp"}), "target": "image/bmp"},  # cannot be written
        {"max_bytes": 0},
        {"min_side": 500, "max_side": 400},
        {"min_aspect": 2.0, "max_aspect": 1.0},
        {"min_aspect": 0.0},
        {"min_side": 500, "max_side": 1000, "max_aspect": 0.4},  # 500 wide is 1250 tall
    ],
)
def test_a_spec_that_cannot_work_is_refused_when_written(arguments: dict[str, object]) -> None:
    fields: dict[str, object] = {"formats": frozenset({JPEG}), "max_bytes": 1000, **arguments}

    with pytest.raises(ValueError):
        ImageSpec("bad", **fields)  # type: ignore[arg-type]


def test_the_library_does_not_import_django() -> None:
    tree = ast.parse(Path(images.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    }
    assert "django" not in imported
    assert "kagami" not in imported


# Every platform, any image


def generated(width: int, height: int, mode: str) -> Image.Image:
    """A cheap picture with some structure: a background, a block and a stripe."""
    image = Image.new("RGB", (width, height), (240, 230, 200))
    draw = ImageDraw.Draw(image)
    draw.rectangle((width // 4, height // 4, width * 3 // 4, height * 3 // 4), fill=RED)
    draw.line((0, height // 2, width, height // 2), fill=BLUE, width=max(1, height // 50))
    if mode == "RGBA":
        image.putalpha(Image.new("L", (width, height), 128))
        return image
    if mode == "P":
        palette = image.convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
        palette.info["transparency"] = 0
        return palette
    return image.convert(mode)


def storable(image: Image.Image, fmt: str) -> Image.Image:
    """`image` in a mode `fmt` can store."""
    modes = {
        "JPEG": ("RGB", "L", "CMYK"),
        "PNG": ("RGB", "RGBA", "L", "P"),
        "WEBP": ("RGB", "RGBA"),
        "BMP": ("RGB", "L", "P", "RGBA"),
        "GIF": ("RGB", "RGBA", "L", "P"),
        "TIFF": ("RGB", "RGBA", "L", "P", "CMYK"),
    }[fmt]
    if fmt == "GIF" and image.mode != "P":
        return image.convert("RGB").convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    if image.mode in modes:
        return image
    return image.convert("RGBA" if "RGBA" in modes and "A" in image.mode else "RGB")


@settings(
    max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    width=st.integers(1, 3000),
    height=st.integers(1, 3000),
    mode=st.sampled_from(["RGB", "RGBA", "L", "P", "CMYK"]),
    fmt=st.sampled_from(["JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF"]),
)
def test_every_platform_gets_an_image_it_takes(
    width: int, height: int, mode: str, fmt: str
) -> None:
    fast = {"method": 0} if fmt == "WEBP" else {}
    content = encode(storable(generated(width, height, mode), fmt), fmt, **fast)

    for spec in SPECS.values():
        prepared = prepare(content, spec)

        assert_fits(prepared, spec)
        if not prepared.changed:
            assert prepared.content == content
