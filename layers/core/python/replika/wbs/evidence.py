"""Evidence files: allowed types, size limit, and metadata removal.

Images are decoded and re-encoded from their pixels only, so EXIF (camera, GPS position, time),
XMP, IPTC, ICC comments and thumbnails are gone before any handler reads the file. The EXIF
orientation is applied to the pixels first, so the picture still stands upright. A file Pillow
cannot decode (truncated, a broken eXIf chunk…) is a 400 that says so, never a 500.

PDFs are rewritten with pypdf: only the pages are copied into a new document (no document
information dictionary, no XMP metadata, no catalogue-level JavaScript, OpenAction, embedded files
or forms, none of an incremental update's extra objects), and each page loses its annotations
(links, attachments, widgets), additional actions, page metadata and piece info. A PDF that pypdf
cannot read, that is encrypted, or whose rewrite still names JavaScript, a launch action or an
embedded file is refused (400). Pillow and pypdf are imported inside the call: cold start matters.
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
    if content_type == "application/pdf":
        return strip_pdf(data)
    return strip_image(data, IMAGE_TYPES[content_type])


_PDF_PAGE_KEYS = ("/AA", "/Annots", "/Metadata", "/PieceInfo", "/Thumb", "/B")
_PDF_FORBIDDEN = (
    b"/JavaScript",
    b"/JS",
    b"/Launch",
    b"/EmbeddedFile",
    b"/RichMedia",
    b"/XFA",
    b"/OpenAction",
)


def strip_pdf(data: bytes) -> bytes:
    """The pages of ``data`` in a new PDF without metadata, scripts, actions or attachments."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise EvidenceRejected(
                "PDF terenkripsi tidak dapat dibersihkan.", details={"reason": "pdf_encrypted"}
            )
        writer = PdfWriter()
        for page in reader.pages:
            writer.add_page(page)
        for page in writer.pages:
            for key in _PDF_PAGE_KEYS:
                if key in page:
                    del page[NameObject(key)]
        writer.metadata = None
        out = io.BytesIO()
        writer.write(out)
    except EvidenceRejected:
        raise
    except Exception as exc:  # pypdf raises many types on hostile input; none may become a 500
        raise EvidenceRejected(
            "PDF rusak atau tidak dapat dibaca; tidak dapat dibersihkan.",
            details={"reason": "pdf_unreadable", "error": type(exc).__name__},
        ) from None
    cleaned = out.getvalue()
    found = [m.decode() for m in _PDF_FORBIDDEN if m in cleaned]
    if found or not reader.pages:
        raise EvidenceRejected(
            "PDF ini memuat isi aktif yang tidak dapat dibersihkan.",
            details={"reason": "pdf_active_content", "found": found},
        )
    return cleaned


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
    except EvidenceRejected:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError):
        raise EvidenceRejected(
            "Gambar tidak dapat dibaca (rusak atau bukan JPEG/PNG).", details={"reason": "image_unreadable"}
        ) from None
    except Exception as exc:  # truncated data, a broken eXIf chunk… (SyntaxError, struct.error…)
        raise EvidenceRejected(
            "Gambar rusak (data terpotong atau metadata cacat); tidak dapat dibersihkan.",
            details={"reason": "image_malformed", "error": type(exc).__name__},
        ) from None
    out = io.BytesIO()
    if fmt == "JPEG":
        bare.save(out, format="JPEG", quality=90, optimize=True)
    else:
        bare.save(out, format="PNG", optimize=True)
    return out.getvalue()
