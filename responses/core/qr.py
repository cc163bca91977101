"""QR codes for public links, as PNG or SVG (segno: pure Python, no imaging library)."""

import io

import segno

FORMATS = {"png": "image/png", "svg": "image/svg+xml"}
SCALE = 10  # pixels per module in the PNG: about 330 px for a typical link, crisp on a poster
BORDER = 4  # the quiet zone the standard asks for, in modules


def render_qr(url: str, *, image_format: str) -> bytes:
    """Return a QR code of ``url`` in ``image_format`` ("png" or "svg"); error correction "M"."""
    if image_format not in FORMATS:
        raise ValueError(f"image_format must be one of {', '.join(FORMATS)}")
    code = segno.make(url, error="m", micro=False)
    out = io.BytesIO()
    if image_format == "png":
        code.save(out, kind="png", scale=SCALE, border=BORDER)
    else:
        code.save(out, kind="svg", scale=SCALE, border=BORDER, xmldecl=False, svgclass=None, lineclass=None, title=url)
    return out.getvalue()
