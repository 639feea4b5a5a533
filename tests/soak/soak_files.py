"""Small, real, different-every-time files to upload in the soak test (no locust import here:
importing locust patches the process for gevent, so pytest must not)."""

from __future__ import annotations

import struct
import zlib


def pdf(label: str) -> bytes:
    """A one-page PDF (made by pypdf) whose title is ``label``."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": label})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png(label: str) -> bytes:
    """A 1x1 PNG with ``label`` in a text chunk."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"tEXt", b"Comment\x00" + label.encode())
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )
