"""Export the network for other tools (GeNIe, SamIam, Netica, pyAgrum, R's bnlearn).

The files are written by pgmpy's own writers (``BIFWriter``, ``XMLBIFWriter``) from
:attr:`TwitchModel.network`, with every node's state names kept in model order. Each node's
label, description, role, group, state labels and sources travel as variable properties
(``property key = value ;`` lines in BIF, ``<PROPERTY>key = value</PROPERTY>`` in XMLBIF), which
pgmpy's readers return as node attributes (``BIFReader(path, include_properties=True)``).

Property values are made safe for both formats, for pgmpy's readers and for older tools:
they are plain ASCII (accents dropped, dashes and curly quotes made plain), on one line;
``;`` (the BIF statement end) becomes ``,``; ``=`` (pgmpy's reader splits on it) becomes
``%3D``; braces become parentheses; double quotes become single quotes (pgmpy's BIF reader
blanks them); and URLs lose their ``https://`` (pgmpy's BIF reader takes ``//`` as a comment).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from .errors import TwitchDxError

FORMATS = ("bif", "xmlbif")
EXTENSIONS = {".bif": "bif", ".xml": "xmlbif", ".xmlbif": "xmlbif", ".bifxml": "xmlbif"}
NETWORK_NAME = "TwitchDx"
_PLAIN = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2018": "'",
                        "\u2019": "'", "\u201c": "'", "\u201d": "'", '"': "'",
                        "\u2264": "at most ", "\u2265": "at least "})
_SAFE = str.maketrans({";": ",", "=": "%3D", "{": "(", "}": ")"})
_SCHEME = re.compile(r"\b(?:https?|ftp)://")


def safe_property(value) -> str:
    """A property value that BIF and XMLBIF files, pgmpy's readers and ASCII tools keep intact."""
    text = unicodedata.normalize("NFKD", str(value).translate(_PLAIN))
    text = text.encode("ascii", "ignore").decode("ascii")
    text = _SCHEME.sub("", text).replace("//", "/%2F")
    return " ".join(text.translate(_SAFE).split())


def node_properties(m, node_id: str) -> dict[str, str]:
    """The properties written for one node (label, description, role, group, sources ...)."""
    node = m.nodes[node_id]
    props = {"label": node.label, "description": node.description or "", "role": node.role,
             "group": getattr(node, "group", "") or ""}
    labels = getattr(node, "state_labels", None) or {}
    if labels:
        props["state_labels"] = " | ".join(f"{s}: {labels.get(s, s)}" for s in node.states)
    if node.role in ("condition", "state"):
        props["serious"] = "yes" if node.serious else "no"
    keys: list[str] = []
    for p in m.kb.params:
        if p.node == node_id and p.source not in keys:
            keys.append(p.source)
    if keys:
        props["sources"] = ", ".join(keys)
        cites = []
        for k in keys:
            src = m.kb.sources.get(k)
            if src:
                url = f" <{src['url']}>" if src.get("url") else ""
                cites.append(f"[{k}] {src.get('citation', '')}{url}")
        if cites:
            props["citations"] = " | ".join(cites)
    return {k: safe_property(v) for k, v in props.items() if str(v).strip()}


def annotated_network(m):
    """A copy of the pgmpy network with each node's properties as node attributes."""
    net = m.network.copy()
    net.name = NETWORK_NAME
    for nid in net.nodes:
        net.nodes[nid].clear()
        net.nodes[nid].update(node_properties(m, nid))
    return net


def _xmlbif_writer():
    from xml.etree import ElementTree as etree

    from pgmpy.readwrite import XMLBIFWriter

    class MultiPropertyXMLBIFWriter(XMLBIFWriter):
        """pgmpy's XMLBIFWriter writes only the last attribute of a node (it overwrites one
        PROPERTY element); write one PROPERTY element per attribute instead."""

        def get_properties(self):
            tags = {}
            for var in sorted(self.model.nodes()):
                tags[var] = []
                for prop, val in self.model.nodes[var].items():
                    tag = etree.SubElement(self.variables[var], "PROPERTY")
                    tag.text = f"{prop} = {val}"
                    tags[var].append(tag)
            return tags

    return MultiPropertyXMLBIFWriter


def format_for(path: str | Path, format: str | None = None) -> str:
    """The format to write: ``format`` if given, else from the file extension."""
    if format is not None:
        if format not in FORMATS:
            raise TwitchDxError(f"unknown export format '{format}'; use one of: "
                                + ", ".join(FORMATS))
        return format
    ext = Path(path).suffix.lower()
    if ext not in EXTENSIONS:
        raise TwitchDxError(f"cannot tell the format from '{Path(path).name}'; give --format "
                            f"({', '.join(FORMATS)}) or use an extension: "
                            + ", ".join(EXTENSIONS))
    return EXTENSIONS[ext]


def export(m, path: str | Path, format: str | None = "bif") -> Path:
    """Write the network to ``path`` as BIF or XMLBIF.

    Parameters
    ----------
    m : a :class:`model.TwitchModel`.
    path : output file. pyAgrum chooses its reader by extension: use ``.bif`` for BIF and
        ``.bifxml`` (or ``.xml`` for other tools) for XMLBIF.
    format : ``"bif"`` or ``"xmlbif"``; ``None`` infers it from the extension.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    fmt = format_for(path, format)
    path = Path(path)
    if path.parent and not path.parent.is_dir():
        raise TwitchDxError(f"cannot write '{path}': folder '{path.parent}' does not exist")
    net = annotated_network(m)
    if fmt == "bif":
        from pgmpy.readwrite import BIFWriter

        text = str(BIFWriter(net))
    else:
        text = str(_xmlbif_writer()(net))
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise TwitchDxError(f"cannot write '{path}': {exc.strerror or exc}") from None
    return path
