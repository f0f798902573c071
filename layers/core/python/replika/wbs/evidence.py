"""Evidence files: allowed types, size limit, and metadata removal.

Images are decoded and re-encoded from their pixels only, so EXIF (camera, GPS position, time),
XMP, IPTC, ICC comments and thumbnails are gone before any handler reads the file. The EXIF
orientation is applied to the pixels first, so the picture still stands upright. PDFs are checked by
signature and kept as they are (their metadata is the reporter's to clean; the upload page says
so). Pillow is imported here only, inside the call: cold start matters for the other routes.
"""

from __future__ import annotations

import io

from replika.core.errors import BadRequest, PayloadTooLarge

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
IMAGE_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG"}
ALLOWED_TYPES = frozenset({*IMAGE_TYPES, "application/pdf"})
_SIGNATURES = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "application/pdf": (b"%PDF-",),
}


class EvidenceRejected(BadRequest):
    code = "evidence_rejected"
    default_message = "Berkas bukti tidak dapat diproses (rusak atau jenisnya tidak sesuai)."


def clean(data: bytes, content_type: str) -> bytes:
    """The file as stored for handlers: images without metadata, PDFs as uploaded."""
    if len(data) > MAX_BYTES:
        raise PayloadTooLarge("Berkas terlalu besar.", details={"max_bytes": MAX_BYTES})
    if content_type not in ALLOWED_TYPES or not data.startswith(_SIGNATURES[content_type]):
        raise EvidenceRejected(details={"content_type": content_type})
    if content_type not in IMAGE_TYPES:
        return data
    return strip_image(data, IMAGE_TYPES[content_type])


def strip_image(data: bytes, fmt: str) -> bytes:
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > MAX_PIXELS:
                raise EvidenceRejected("Gambar terlalu besar (piksel).", details={"max_pixels": MAX_PIXELS})
            upright = ImageOps.exif_transpose(img)
            if fmt == "JPEG" and upright.mode not in ("RGB", "L"):
                upright = upright.convert("RGB")
            # A new image from the pixels alone: no info dict, no EXIF, no text chunks.
            bare = Image.frombytes(upright.mode, upright.size, upright.tobytes())
            if upright.mode == "P":
                palette = upright.getpalette()
                if palette is not None:
                    bare.putpalette(palette)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise EvidenceRejected() from None
    out = io.BytesIO()
    if fmt == "JPEG":
        bare.save(out, format="JPEG", quality=90, optimize=True)
    else:
        bare.save(out, format="PNG", optimize=True)
    return out.getvalue()
