"""Evidence values: one state, or a set of states meaning "one of these" (likelihood evidence).

The model's functions take ``{node id: state}`` or ``{node id: [state, state, ...]}``; after
:meth:`model.TwitchModel.check_evidence` a set is a tuple in the node's state order. The text
form ``state|state`` (command line, shared links, scenario files) is read and written here so
every client spells it the same way.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

# A checked observation: one state, or a tuple of two or more states in the node's state order.
Observation = str | tuple[str, ...]
# What callers may pass for one node: a state, or a list/tuple/set of states.
EvidenceValue = str | Collection[str]
Evidence = Mapping[str, EvidenceValue]
CheckedEvidence = dict[str, Observation]

SEPARATOR = "|"


def parse_state_text(text: str) -> EvidenceValue:
    """Read ``"state"`` or ``"state|state|..."`` (the text form of a set observation).

    Parameters
    ----------
    text : str
        One state, or states separated by ``|``, e.g. ``"mild_stable|progressive"``.

    Returns
    -------
    str or list of str
        The state, or the list of states (check it with ``TwitchModel.check_evidence``, which
        names any unknown state).
    """
    if SEPARATOR not in text:
        return text.strip()
    return [part.strip() for part in text.split(SEPARATOR)]


def format_observation(value: EvidenceValue) -> str:
    """The text form of an observation: ``"state"`` or ``"state|state"`` (inverse of
    :func:`parse_state_text`)."""
    if isinstance(value, str):
        return value
    return SEPARATOR.join(value)


def is_exact(value: EvidenceValue) -> bool:
    """True for a single-state observation (after checking, a set has at least two states)."""
    return isinstance(value, str)


def exactly_observed(evidence: Mapping[str, EvidenceValue]) -> set[str]:
    """The nodes observed in one state (set-observed nodes still have a posterior)."""
    return {n for n, v in evidence.items() if isinstance(v, str)}
