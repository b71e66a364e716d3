import numpy as np
import pytest
from PIL import Image

from hanzipad.ink import Ink
from hanzipad.normalize import MAX_PIXELS, ImageError, load_image, normalize_image
from hanzipad.raster import draw_ink, rasterize

CHAR = Ink.from_lists([[[10, 50], [90, 50]], [[50, 10], [50, 90]], [[20, 80], [80, 20]]])


def _reference():
    return rasterize(CHAR)


def _dark_on_white(scale=3):
    ink = draw_ink(CHAR, long_side=200)
    big = np.kron(ink, np.ones((scale, scale), np.uint8)) if scale > 1 else ink
    return Image.fromarray(255 - big)


def _close(a, b, tol=6.0):
    return np.abs(a.astype(int) - b.astype(int)).mean() < tol


def test_image_path_matches_canvas_path():
    assert _close(normalize_image(_dark_on_white()), _reference())


def test_polarity_detected():
    light_on_dark = Image.fromarray(255 - np.asarray(_dark_on_white()))
    assert _close(normalize_image(light_on_dark), normalize_image(_dark_on_white()), 1.0)


def test_grey_background_like_hwdb_scans():
    arr = np.asarray(_dark_on_white()).astype(np.float32)
    grey = (arr / 255.0 * 120 + 110).astype(np.uint8)  # ink 110, paper 230
    assert _close(normalize_image(Image.fromarray(grey)), _reference())


def test_uneven_lighting_photo():
    arr = np.asarray(_dark_on_white()).astype(np.float32)
    h, w = arr.shape
    ramp = np.linspace(0.55, 1.0, w)[None, :] * np.ones((h, 1))
    photo = (arr * ramp * 0.8 + 20).clip(0, 255).astype(np.uint8)
    out = normalize_image(Image.fromarray(photo).convert("RGB"))
    assert _close(out, _reference(), 12.0)


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "P", "CMYK", "LA", "I;16", "1"])
def test_modes(tmp_path, mode):
    src = _dark_on_white()
    if mode == "I;16":
        img = Image.fromarray(np.asarray(src).astype(np.uint16) * 257)
    else:
        img = src.convert(mode)
    path = tmp_path / f"x.{'tif' if mode in ('CMYK', 'I;16') else 'png'}"
    img.save(path)
    assert _close(load_image(path), _reference(), 10.0)


def test_alpha_only_ink_on_transparent():
    ink = draw_ink(CHAR, long_side=200)
    rgba = np.zeros(ink.shape + (4,), np.uint8)
    rgba[..., 3] = ink  # black ink, shape carried by alpha only
    assert _close(normalize_image(Image.fromarray(rgba, "RGBA")), _reference(), 10.0)


def test_blank_image_gives_no_ink(tmp_path):
    path = tmp_path / "blank.png"
    Image.new("L", (50, 50), 255).save(path)
    assert load_image(path).max() == 0


def test_one_pixel_image(tmp_path):
    path = tmp_path / "one.png"
    Image.new("L", (1, 1), 0).save(path)
    out = load_image(path)
    assert out.shape == (64, 64)


def test_not_an_image(tmp_path):
    path = tmp_path / "fake.png"
    path.write_text("hello")
    with pytest.raises(ImageError, match="not an image"):
        load_image(path)


def test_truncated_png(tmp_path):
    path = tmp_path / "cut.png"
    _dark_on_white().save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageError, match="cut.png.*(corrupt|truncated)"):
        load_image(path)


def test_decompression_bomb_refused_before_decoding(tmp_path):
    path = tmp_path / "huge.png"
    # 20000x20000 one-bit image: a small file that would decode to 400 M pixels.
    Image.new("1", (20000, 20000), 1).save(path, optimize=True)
    with pytest.raises(ImageError, match="too large"):
        load_image(path)
    assert 20000 * 20000 > MAX_PIXELS


def test_big_but_allowed_image_is_reduced(tmp_path):
    path = tmp_path / "big.png"
    _dark_on_white(scale=12).save(path)  # ~2700 px side
    assert _close(load_image(path), _reference(), 8.0)


def test_missing_file(tmp_path):
    with pytest.raises(ImageError, match="no such file"):
        load_image(tmp_path / "nope.png")


EPS = b"""%!PS-Adobe-3.0 EPSF-3.0
%%BoundingBox: 0 0 64 64
(/tmp/owned-by-eps) (w) file closefile
{} loop
showpage
"""


def test_postscript_named_png_never_reaches_ghostscript(tmp_path, monkeypatch):
    """Pillow would hand an EPS file to Ghostscript, which runs it (files written, `{} loop`
    hangs): only the image formats a user means are decoded."""
    from PIL import EpsImagePlugin

    ran = []
    monkeypatch.setattr(EpsImagePlugin, "Ghostscript", lambda *a, **k: ran.append(a) or None)
    monkeypatch.setattr(EpsImagePlugin, "gs_binary", "gs", raising=False)
    for name in ("evil.png", "evil.eps", "evil.jpg"):
        path = tmp_path / name
        path.write_bytes(EPS)
        with pytest.raises(ImageError, match="not an image file HanziPad opens") as err:
            load_image(path)
        assert str(path) in str(err.value)
    assert ran == []


@pytest.mark.parametrize("fmt, suffix", [("PNG", ".png"), ("JPEG", ".jpg"), ("BMP", ".bmp"),
                                         ("GIF", ".gif"), ("TIFF", ".tif"), ("WEBP", ".webp"),
                                         ("PPM", ".pgm")])
def test_formats_users_mean_still_open(tmp_path, fmt, suffix):
    path = tmp_path / f"c{suffix}"
    _dark_on_white().convert("L").save(path, fmt)
    assert _close(load_image(path), _reference(), tol=8.0)


@pytest.mark.parametrize("orientation, stored_as", [(6, Image.Transpose.ROTATE_90),
                                                    (8, Image.Transpose.ROTATE_270)])
def test_exif_orientation_applied(tmp_path, orientation, stored_as):
    """A phone photo is stored sideways with an EXIF orientation tag; viewers (and the canvas)
    show it upright, and so is it read."""
    upright = _dark_on_white().convert("L")
    stored = upright.transpose(stored_as)
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / "photo.jpg"
    stored.save(path, "JPEG", quality=92, exif=exif)
    got = load_image(path)
    assert _close(got, normalize_image(upright), tol=8.0)
    assert not _close(got, normalize_image(stored), tol=8.0)


def test_unreadable_file_is_not_called_corrupt(tmp_path, monkeypatch):
    import PIL.Image

    path = tmp_path / "locked.png"
    _dark_on_white().save(path)
    real_open = open

    def no_access(file, *a, **k):  # as for a file of another user (tests may run as root)
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *a, **k)

    with monkeypatch.context() as m:
        m.setattr(PIL.Image.builtins, "open", no_access)
        with pytest.raises(ImageError) as err:
            load_image(path)
    assert "permission denied" in str(err.value) and "corrupt" not in str(err.value)


def test_image_opens_without_optional_plugins(tmp_path, monkeypatch):
    """The frozen app leaves Pillow plugins out (WebP, EPS): the others still open."""
    import PIL.Image

    PIL.Image.init()
    for fmt in ("WEBP", "EPS"):
        monkeypatch.delitem(PIL.Image.OPEN, fmt, raising=False)
    path = tmp_path / "c.png"
    _dark_on_white().save(path)
    assert _close(load_image(path), _reference())
