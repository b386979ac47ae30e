"""TwitchDx: a literature-sourced Bayesian network for the differential diagnosis of muscle
twitching. A teaching and reasoning aid, not a diagnostic device.

>>> import model
>>> m = model.load()
>>> m.differential({"fasciculations": "yes", "twitch_eyelid": "yes"}).head()
"""

from .api import TwitchModel, load
from .errors import (
    EvidenceError,
    ImpossibleEvidenceError,
    KnowledgeBaseError,
    ParameterError,
    TwitchDxError,
)
from .limits import LimitError

DISCLAIMER = ("TwitchDx is a teaching and reasoning aid, not a diagnostic device. Its numbers are "
              "literature estimates with wide uncertainty; it cannot examine anyone. Anyone "
              "worried about twitching, weakness or other symptoms should see a doctor.")

__all__ = [
    "DISCLAIMER",
    "EvidenceError",
    "ImpossibleEvidenceError",
    "KnowledgeBaseError",
    "LimitError",
    "ParameterError",
    "TwitchDxError",
    "TwitchModel",
    "load",
]
