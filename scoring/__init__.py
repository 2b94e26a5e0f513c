"""Pure analytics over an account's relationship map (a NetworkX graph from ``graph.projection``).

No I/O, no HTTP, no database; no function mutates its input graph, and the package keeps no cache of
its own. Every number of the model is in ``scoring.options.ScoringOptions``; every edge rule in
``scoring.rules``; every text in ``scoring.texts``. A frozen projected map (``graph.projection``) carries
a memo of what is derived from it: it is scored once per graph object, what one call reads and derives
is reused by the next, and an edited copy keeps what the edit cannot have changed (see
``scoring.view.AccountMap``); the answers are the same either way.
"""

from scoring.chain import decision_chain, decision_weight, propagated_support
from scoring.classify import classify_account
from scoring.gaps import coverage_gaps
from scoring.influence import influence_graph, strongest_paths
from scoring.options import DEFAULT_OPTIONS, ScoringOptions
from scoring.power import informal_power
from scoring.recommend import next_best_contacts, support_gains
from scoring.view import NotFound

__all__ = [
    "DEFAULT_OPTIONS", "NotFound", "ScoringOptions", "classify_account", "coverage_gaps", "decision_chain",
    "decision_weight", "influence_graph", "informal_power", "next_best_contacts", "propagated_support",
    "strongest_paths", "support_gains",
]
