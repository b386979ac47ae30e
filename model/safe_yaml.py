"""Read YAML (and JSON, a subset of YAML 1.2) from untrusted text with bounded work.

A YAML "billion laughs" (anchors repeated by aliases) expands a few hundred bytes into billions
of nodes once anything walks or prints the result, and deep nesting overflows Python's stack.
The readers here refuse both before the document is built, and turn every parse problem into a
:class:`YAMLInputError` of ONE line (where, and what is wrong) instead of ruamel's multi-line text.

>>> from model.safe_yaml import load_text
>>> load_text('{"fasciculations": "yes"}', what="scenario file 'a.json'")
{'fasciculations': 'yes'}

``load_text`` is for small plain-data inputs (scenario files, cases files); the priors loader uses
:func:`round_trip_loader`, the same caps on ruamel's round-trip reader (comments kept for editing).
"""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent

from .errors import TwitchDxError
from .limits import MAX_SCENARIO_BYTES, MAX_YAML_ALIAS_NODES, MAX_YAML_DEPTH

__all__ = ["YAMLInputError", "decode", "load_text", "one_line", "round_trip_loader"]


class YAMLInputError(TwitchDxError):
    """Text that is not readable YAML/JSON, or over a size limit; the message is one line.

    ``what`` names the input and ``problem`` says what is wrong (the message is both).
    """

    def __init__(self, what: str, problem: str):
        self.what, self.problem = what, problem
        super().__init__(f"{what} is {problem}")


class _AliasLimit(MarkedYAMLError):
    pass


class CappedComposer(Composer):
    """ruamel's composer, counting the nodes that aliases add (each alias repeats its anchored
    node, and that node may itself hold aliases): over MAX_YAML_ALIAS_NODES it stops."""

    def __init__(self, loader: Any = None) -> None:
        super().__init__(loader)
        self._weight = 0  # nodes composed so far, aliases counted at their expanded size
        self._alias_weight = 0
        self._anchor_weight: dict[Any, int] = {}

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.parser.peek_event()
        if isinstance(event, AliasEvent):
            w = self._anchor_weight.get(event.anchor, 1)
            self._alias_weight += w
            self._weight += w
            if self._alias_weight > MAX_YAML_ALIAS_NODES:
                raise _AliasLimit(None, None, (
                    f"aliases expand to more than MAX_YAML_ALIAS_NODES = "
                    f"{MAX_YAML_ALIAS_NODES:,} nodes (a YAML 'billion laughs'?); write the "
                    "values out instead of repeating anchors"), event.start_mark)
            return super().compose_node(parent, index)
        start = self._weight
        anchor = getattr(event, "anchor", None)
        node = super().compose_node(parent, index)
        self._weight += 1
        if anchor is not None:
            self._anchor_weight[anchor] = self._weight - start
        return node


def _capped(y: YAML) -> YAML:
    y.Composer = CappedComposer
    y.max_depth = MAX_YAML_DEPTH
    return y


def round_trip_loader() -> YAML:
    """ruamel's round-trip (comment-keeping) YAML 1.2 reader with the depth and alias caps."""
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096
    return _capped(y)


def safe_loader() -> YAML:
    """ruamel's safe YAML 1.2 reader (plain dicts/lists/scalars, no tags run) with the caps."""
    return _capped(YAML(typ="safe", pure=True))


_SPACE = re.compile(r"\s+")


def one_line(exc: BaseException, limit: int = 300) -> str:
    """A YAML error as one line: 'line L, column C: problem (context)'."""
    if isinstance(exc, MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        what = " ".join(str(p) for p in (exc.problem, exc.context) if p)
        if "maximum depth" in what:
            what = (f"nested deeper than MAX_YAML_DEPTH = {MAX_YAML_DEPTH} levels of lists or "
                    "mappings")
        text = where + (what or type(exc).__name__)
    else:
        text = str(exc) or type(exc).__name__
    text = _SPACE.sub(" ", text).strip()
    text = text.replace('in "<unicode string>", ', "")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def decode(data: bytes, what: str) -> str:
    """UTF-8 bytes as text; anything else (UTF-16, Latin-1, binary) is a one-line error."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise YAMLInputError(what, "UTF-16 text; save it as UTF-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YAMLInputError(
            what, f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); save "
            "it as UTF-8") from None


def parse(y: YAML, text: str, what: str) -> Any:
    """``y.load(text)`` with every failure as a one-line :class:`YAMLInputError`."""
    try:
        return y.load(text)
    except YAMLError as exc:
        raise YAMLInputError(what, f"not valid YAML: {one_line(exc)}") from None
    except TypeError:
        # ruamel's round-trip constructor hashes a complex key ("? ..."), and a key holding a
        # nested mapping is unhashable: a TypeError, not a YAMLError, with no position.
        raise YAMLInputError(what, "not valid YAML: a mapping key that is itself a mapping or "
                                   "list (a stray '? ' starts a complex key); keys must be plain "
                                   "names") from None
    except RecursionError:  # a construct deeper than the composer counts (should not happen)
        raise YAMLInputError(what, f"nested too deeply (limit MAX_YAML_DEPTH = "
                                   f"{MAX_YAML_DEPTH})") from None


def load_text(text: str | bytes, what: str = "the text", max_bytes: int = MAX_SCENARIO_BYTES
              ) -> Any:
    """Parse small untrusted YAML or JSON text into plain Python data, with bounded work.

    Parameters
    ----------
    text : the content (bytes are decoded as UTF-8).
    what : how to name the input in messages, e.g. ``"scenario file 'a.yaml'"``.
    max_bytes : refuse larger input (default MAX_SCENARIO_BYTES).

    Returns
    -------
    The document as dicts, lists, strings, numbers, booleans and None (no tags are executed;
    unknown tags are an error).

    Raises
    ------
    YAMLInputError
        One line naming ``what``: over ``max_bytes``, not UTF-8, not YAML/JSON, nested deeper
        than MAX_YAML_DEPTH, or aliases expanding past MAX_YAML_ALIAS_NODES.
    """
    size = len(text.encode("utf-8")) if isinstance(text, str) else len(text)
    if size > max_bytes:
        raise YAMLInputError(what, f"{size:,} bytes; the limit is {max_bytes:,} bytes")
    if isinstance(text, bytes):
        text = decode(text, what)
    return parse(safe_loader(), text, what)
