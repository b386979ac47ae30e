"""Exceptions raised by TwitchDx. Every message names what is wrong and what is allowed."""

from __future__ import annotations

from collections.abc import Collection, Mapping


class TwitchDxError(ValueError):
    """Base class of every error TwitchDx raises on bad input."""


class KnowledgeBaseError(TwitchDxError):
    """A priors file is malformed: the message names the file, the node and the field."""

    def __init__(self, message: str, *, file: str | None = None, node: str | None = None,
                 field: str | None = None):
        self.file, self.node, self.field = file, node, field
        where = ", ".join(
            part for part in (
                file and f"file {file}",
                node and f"node '{node}'",
                field and f"field '{field}'",
            ) if part
        )
        super().__init__(f"{where}: {message}" if where else message)


class EvidenceError(TwitchDxError):
    """Evidence names an unknown node or state."""


class ParameterError(TwitchDxError):
    """An argument that is not evidence (an objective, a level, a sample count...) is invalid;
    the message names the parameter, the function, what is allowed and what was given."""


class ImpossibleEvidenceError(EvidenceError):
    """The evidence has probability zero under the model, so no posterior exists."""

    def __init__(self, evidence: Mapping[str, str | Collection[str]]):
        self.evidence = dict(evidence)
        items = ", ".join(f"{k}={v if isinstance(v, str) else '|'.join(v)}"
                          for k, v in evidence.items())
        super().__init__(
            f"impossible evidence: P({items}) = 0 under the model, so no posterior exists; "
            "remove or change one of these observations"
        )
