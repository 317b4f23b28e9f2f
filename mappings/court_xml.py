"""The court-standard XML framing of a field set: <resource><brief><count/></brief><data><R>…</R></data></resource>.

Inside a row, each field is an element named by its key in upper case; a nested object is nested elements; a list
is an element marked list="1" whose children are <R> rows; an absent (null) value is an absent element; every
value is text. Parsing goes through mappings/xmlsafe.py, so DTDs, entities and oversized documents are refused, and
a document given as text is read as text whatever encoding its declaration names (bytes: as they declare).
"""

from typing import Any

from lxml import etree

from mappings.codes import MalformedPayload
from mappings.xmlsafe import parse


def to_resource(rows: list[dict[str, Any]], *, encoding: str = "utf-8") -> bytes:
    """The resource document as bytes in `encoding`, declared in its XML declaration (what we send is UTF-8)."""
    resource = etree.Element("resource")
    etree.SubElement(etree.SubElement(resource, "brief"), "count").text = str(len(rows))
    data = etree.SubElement(resource, "data")
    for row in rows:
        _fill(etree.SubElement(data, "R"), row)
    return bytes(etree.tostring(resource, encoding=encoding, xml_declaration=True))


def from_resource(payload: bytes | str, *, what: str = "the payload") -> list[dict[str, Any]]:
    """The rows of a resource document; MalformedPayload if it is not one (or its count disagrees). `payload` as
    text is parsed as text; as bytes, in the encoding it declares (mappings/xmlsafe.py)."""
    root = parse(payload, what=what)
    if root.tag != "resource":
        raise MalformedPayload(f"{what} is a <{root.tag}>, not a <resource> document")
    count, data = root.findtext("brief/count"), root.find("data")
    if data is None or count is None or not count.strip().isdigit():
        raise MalformedPayload(f"{what} lacks <brief><count> or <data>")
    rows = [_read(row, f"{what}: data.R") for row in data if row.tag == "R"]
    if int(count) != len(rows):
        raise MalformedPayload(f"{what} says it holds {count.strip()} rows but holds {len(rows)}")
    fields = [row for row in rows if isinstance(row, dict)]
    if len(fields) != len(rows):
        raise MalformedPayload(f"{what}: every data row must hold fields")
    return fields


def _fill(element: Any, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if item is not None:
                _fill(etree.SubElement(element, str(key).upper()), item)
    elif isinstance(value, list | tuple):
        element.set("list", "1")
        for item in value:
            _fill(etree.SubElement(element, "R"), item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = str(value)


def _read(element: Any, path: str) -> Any:
    children = [child for child in element if isinstance(child.tag, str)]  # comments and PIs carry no data
    if element.get("list") == "1":
        if any(child.tag != "R" for child in children):
            raise MalformedPayload(f"{path}: a list may hold only <R> rows")
        return [_read(child, f"{path}.R") for child in children]
    if not children:
        return element.text or ""
    fields: dict[str, Any] = {}
    for child in children:
        key = child.tag.lower()
        if key in fields:
            raise MalformedPayload(f"{path}.{child.tag} appears twice")
        fields[key] = _read(child, f"{path}.{child.tag}")
    return fields
