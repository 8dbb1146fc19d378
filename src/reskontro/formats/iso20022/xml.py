"""Safe XML in, schema-checked: the one way an ISO 20022 message is read or checked before it is written.

A document type declaration is refused before parsing (no entity expansion, no external entities, no
network: the "billion laughs" and XXE attacks have nothing to work with), and lxml's parser is also told
not to resolve entities or reach the network. Schemas are loaded once from ``schemas/``.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from lxml import etree

from reskontro.formats.result import Problem

__all__ = ["XmlRefused", "element_path", "load", "schema", "schema_problems"]

_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class XmlRefused(ValueError):
    """The bytes are not a well-formed, safe XML document."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=True, remove_pis=True)


def load(data: bytes, source: str) -> etree._Element:
    """The root element of ``data``, or :class:`XmlRefused` naming the line at fault."""
    match = _DOCTYPE.search(data)
    if match:
        line = data.count(b"\n", 0, match.start()) + 1
        raise XmlRefused(Problem(source, line, None, "xml_doctype",
                                 "a document type declaration (DOCTYPE or ENTITY) is refused: bank files have none, "
                                 "and entities are a known attack", unit="line"))
    try:
        return etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        at = exc.lineno if isinstance(exc.lineno, int) else None
        raise XmlRefused(Problem(source, at, None, "xml_syntax", f"not well-formed XML: {exc.msg}",
                                 unit="line")) from None


@cache
def schema(message: str) -> etree.XMLSchema:
    """The official schema of ``message`` (e.g. ``"camt.054.001.02"``)."""
    path = resources.files("reskontro.formats.iso20022") / "schemas" / f"{message}.xsd"
    with resources.as_file(path) as file:
        return etree.XMLSchema(etree.parse(str(file), _parser()))


def element_path(el: etree._Element, repeating: frozenset[str] = frozenset()) -> str:
    """``/Document/BkToCstmrDbtCdtNtfctn/Ntfctn[1]/Ntry[2]/Amt``: local names, with the position (from 1) of an
    element that has siblings of its name, or whose name is in ``repeating``."""
    parts = []
    node: etree._Element | None = el
    while node is not None:
        name = etree.QName(node).localname
        parent = node.getparent()
        if parent is not None:
            same = [sibling for sibling in parent if sibling.tag == node.tag]
            if len(same) > 1 or name in repeating:
                name = f"{name}[{same.index(node) + 1}]"
        parts.append(name)
        node = parent
    return "/" + "/".join(reversed(parts))


_NAMESPACED = re.compile(r"\{[^}]*\}")


def schema_problems(root: etree._Element, message: str, source: str,
                    repeating: frozenset[str] = frozenset()) -> list[Problem]:
    """Every way ``root`` breaks the schema of ``message``, each with its line and element path.

    libxml2 writes ``/*/*/*[2]/*[4]`` for an element in a default namespace, which tells a user nothing: the path
    is looked up and written with element names (:func:`element_path`).
    """
    checker = schema(message)
    if checker.validate(root):
        return []
    tree = root.getroottree()
    problems = []
    for err in checker.error_log:
        path = err.path or None
        if path:
            try:
                found = tree.xpath(path)
            except etree.XPathError:
                found = None
            if isinstance(found, list) and found and isinstance(found[0], etree._Element):
                path = element_path(found[0], repeating)
            else:
                path = _NAMESPACED.sub("", path)
        text = _NAMESPACED.sub("", err.message)
        problems.append(Problem(source, err.line, path, "xml_schema", f"fails the {message} schema: {text}",
                                unit="line"))
    return problems
