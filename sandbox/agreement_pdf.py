"""A small, real PDF for the sandbox's agreements: one A4 page of ASCII text (a seal needs a PDF it can parse).

Built by hand (ISO 32000-2 §7.5: header, objects, cross-reference table, trailer) so the sandbox needs no PDF
writer; the text is ASCII because the standard Helvetica font has no CJK glyphs.
"""


def agreement_pdf(lines: list[str]) -> bytes:
    """A one-page PDF showing `lines` (ASCII; other characters become '?')."""
    text = "".join(f"({_escaped(line)}) Tj T* " for line in lines)
    stream = f"BT /F1 12 Tf 14 TL 72 770 Td {text}ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> "
        b"/Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _escaped(line: str) -> str:
    """`line` as a PDF literal string's content (ISO 32000-2 §7.3.4.2: backslash and parentheses escaped)."""
    ascii_line = line.encode("ascii", "replace").decode("ascii")
    return ascii_line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
