"""The few DER (ITU-T X.690) encoders an SM2 certificate or request needs: `cryptography` builds and signs X.509
for RSA and EC keys but cannot sign with SM2, so for SM2 the structure is written here and signed with Tongsuo.
Only definite-length encodings of the universal types used by RFC 5280 / RFC 2986 structures."""

from datetime import UTC, datetime


def tlv(tag: int, content: bytes) -> bytes:
    """Tag, length (short form below 128, else long form — X.690 §8.1.3), content."""
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + content


def sequence(*items: bytes) -> bytes:
    return tlv(0x30, b"".join(items))


def integer(value: int) -> bytes:
    """A non-negative INTEGER, with the leading zero byte that keeps its top bit from reading as a sign."""
    return tlv(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def oid(dotted: str) -> bytes:
    """An OBJECT IDENTIFIER: the first two arcs in one byte, the rest base-128 (X.690 §8.19)."""
    arcs = [int(arc) for arc in dotted.split(".")]
    body = bytearray([40 * arcs[0] + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body += bytes(reversed(chunk))
    return tlv(0x06, bytes(body))


def bit_string(data: bytes) -> bytes:
    return tlv(0x03, b"\x00" + data)  # no unused bits: keys and signatures are whole bytes


def octet_string(data: bytes) -> bytes:
    return tlv(0x04, data)


def boolean(value: bool) -> bytes:
    return tlv(0x01, b"\xff" if value else b"\x00")


def time(value: datetime) -> bytes:
    """RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; always UTC, whole seconds."""
    value = value.astimezone(UTC)
    if value.year < 2050:
        return tlv(0x17, value.strftime("%y%m%d%H%M%SZ").encode("ascii"))
    return tlv(0x18, value.strftime("%Y%m%d%H%M%SZ").encode("ascii"))


def context(number: int, content: bytes) -> bytes:
    """A constructed context-specific tag [number] (EXPLICIT, or IMPLICIT over a constructed type)."""
    return tlv(0xA0 | number, content)
