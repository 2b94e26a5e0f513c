"""The analytics model in one import: the view of an account (``scoring.view``), its edge rules
(``scoring.rules``), formulas (``scoring.formulas``), propagation (``scoring.propagation``) and strongest
paths (``scoring.paths``). Kept for the callers that import these names from here."""

from scoring.formulas import (
    combine,
    combine_link,
    composite,
    decision_weight,
    merged_closeness,
    normalised,
    parse_date,
    rating,
    unit,
)
from scoring.formulas import neg_id as _neg_id
from scoring.paths import Reach
from scoring.propagation import Propagation
from scoring.rules import EdgeRule, edge_rules
from scoring.view import AccountMap, Cover, Edit, Interest, Local, Member, Memo, NotFound

__all__ = ["AccountMap", "Cover", "EdgeRule", "Edit", "Interest", "Local", "Member", "Memo", "NotFound", "Propagation",
           "Reach", "_neg_id", "combine", "combine_link", "composite", "decision_weight", "edge_rules",
           "merged_closeness", "normalised", "parse_date", "rating", "unit"]
