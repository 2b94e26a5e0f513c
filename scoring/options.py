"""Every weight and threshold of the default analytics model, in one frozen, documented object.

The numbers are the defaults of DESIGN.md ("Analytics: the default model"). Callers who want another
model build their own ``ScoringOptions(...)`` (or ``dataclasses.replace(DEFAULT_OPTIONS, ...)``) and
pass it to any scoring function; nothing in ``scoring`` reads a global setting.

>>> DEFAULT_OPTIONS.alpha, DEFAULT_OPTIONS.rounds
(0.3, 2)
>>> DEFAULT_OPTIONS.role_weights["decision_maker"]
1.0
>>> DEFAULT_OPTIONS.stance_values["unknown"]
0.0
>>> ScoringOptions(role_weights={"coach": 0.9}).role_weights["coach"]
0.9
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType


def _frozen(mapping: dict[str, float]) -> Mapping[str, float]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class ScoringOptions:
    # ---------------------------------------------------------------- decision weight
    # How much each buying role weighs in the decision before the person's own influence rating:
    # the people who sign and who own the budget weigh most; coaches and gatekeepers steer but do not vote.
    role_weights: Mapping[str, float] = field(hash=False, default_factory=lambda: _frozen({
        "decision_maker": 1.0, "economic_buyer": 1.0, "technical_evaluator": 0.6, "business_user": 0.5,
        "procurement": 0.5, "influencer": 0.4, "coach": 0.3, "gatekeeper": 0.3}))
    # Weight of a role we do not know (the store validates roles, so this is only a safety net).
    unknown_role_weight: float = 0.3
    # The influence rating (1..5) is divided by this: a rating of 5 keeps the full role weight.
    influence_scale: float = 5.0
    # Rating assumed when a chain member has none (the middle of 1..5).
    default_influence: float = 3.0
    # The client's evaluation weights scale technical evaluators by (this × technical share) and
    # procurement by (this × price share): with technical 50 % the evaluators keep their weight, with
    # price 30 % procurement drops to 0.6 of its weight. Applied only when the opportunity has criteria.
    criteria_scale: float = 2.0

    # ---------------------------------------------------------------- stances
    # Stance toward us as a number; ``unknown`` counts as 0 and is flagged in the answers.
    stance_values: Mapping[str, float] = field(hash=False, default_factory=lambda: _frozen({
        "champion": 1.0, "supporter": 0.5, "neutral": 0.0, "skeptic": -0.5, "opponent": -1.0,
        "unknown": 0.0}))
    # Stances that count as "on our side" (sources of reach, supporters for single-threading).
    supportive_stances: tuple[str, ...] = ("champion", "supporter")
    # Stances that count as resistance (for the unreached-opponent gap).
    opposing_stances: tuple[str, ...] = ("skeptic", "opponent")

    # ---------------------------------------------------------------- influence graph
    # REPORTS_TO: a boss sways a report strongly (0.7); a report sways the boss a little (0.3).
    reports_down: float = 0.7
    reports_up: float = 0.3
    # PROMOTED_BY: the patron sways the protégé (0.8); the protégé still has the patron's ear (0.4).
    promoted_down: float = 0.8
    promoted_up: float = 0.4
    # Strength of INFLUENCES / ALLY / RIVAL / FAVORS when the map does not say how strong it is.
    default_strength: float = 0.5
    # COVERS without a closeness: an ordinary working relationship.
    default_cover_closeness: float = 0.5
    # MIRRORS: an executive counterpart pairing opens a door of this strength.
    mirrors_weight: float = 0.6

    # ---------------------------------------------------------------- propagation
    # Propagated stance = (1 − alpha) · own stance + alpha · weighted mean of the influencers' stances.
    alpha: float = 0.3
    # Number of propagation rounds: influence two steps away still counts, further away fades out.
    rounds: int = 2

    # ---------------------------------------------------------------- who to win over next
    # The reach of a cold approach, with no path through anyone: never zero, but weak.
    cold_outreach: float = 0.1
    # Threat assumed for an entrenched interest recorded without a threat level.
    default_threat: float = 0.5
    # Threat from which a recommendation suggests waiting for the person to move as a last resort.
    deep_interest_threat: float = 0.7

    # ---------------------------------------------------------------- go-betweens
    # A go-between (someone a path runs through, who introduces us, speaks for us or carries our case)
    # must be someone who would help. Never a skeptic or opponent of the deal (``opposing_stances``;
    # for the account-wide paths: of any open deal), nor someone holding an entrenched interest
    # against us: a HAS_INTEREST in the deal or with a competitor whose threat exceeds this (the IT
    # manager whose role our system diminishes, threat 0.5, is out; a passing worry of 0.2 is not) ...
    go_between_max_threat: float = 0.2
    # ... nor someone who favors a competitor at least this strongly (loyalty to a rival, FAVORS).
    go_between_max_favor: float = 0.5

    # ---------------------------------------------------------------- our own people
    # Our people fit to meet a client leader: these team roles, or a level among ``executive_levels``.
    our_leader_roles: tuple[str, ...] = ("executive",)

    # ---------------------------------------------------------------- closeness
    # Composite closeness = 0.5 relationship + 0.3 solution acceptance + 0.2 price acceptance;
    # a measure nobody recorded counts as 0 (nothing established yet).
    closeness_weights: Mapping[str, float] = field(hash=False, default_factory=lambda: _frozen({
        "relationship": 0.5, "solution": 0.3, "price": 0.2}))

    # ---------------------------------------------------------------- decision-chain completeness
    # The seats a complete buying committee fills, each with its weight in the completeness score
    # (Miller Heiman's buying influences: the one who signs, the one who owns the budget, the one who
    # judges the solution, and the coach who guides us). A seat counts by who fills it: its best
    # holder's stance factor × (``seat_depth_floor`` + (1 − floor) × how deeply we cover them).
    seat_weights: Mapping[str, float] = field(hash=False, default_factory=lambda: _frozen({
        "decision_maker": 1.0, "economic_buyer": 1.0, "technical_evaluator": 0.6, "coach": 0.6}))
    # A seat held by a champion is fully ours; a neutral holder only a third won; an opponent not at all.
    seat_stance_factors: Mapping[str, float] = field(hash=False, default_factory=lambda: _frozen({
        "champion": 1.0, "supporter": 0.8, "neutral": 0.35, "unknown": 0.25, "skeptic": 0.1,
        "opponent": 0.0}))
    # How deeply we cover a holder: the closest COVERS or MIRRORS tie of ours, or their relationship
    # closeness, whichever is higher (0..1). A seat held by someone nobody covers still counts for this
    # share of its stance factor: the stance is real even when our access is thin.
    seat_depth_floor: float = 0.5
    # Below this depth a seat held by a supporter is "thinly covered" (one weak thread).
    seat_thin_depth: float = 0.4

    # ---------------------------------------------------------------- coverage gaps
    # The roles a decision chain must name are the seats of ``seat_weights``. Roles whose absence is a
    # high-severity gap (the other seats are medium).
    critical_roles: tuple[str, ...] = ("decision_maker", "economic_buyer")
    # Complex sales need 3–5 people on our side: fewer supporters/champions than this is single-threaded.
    min_supporters: int = 3
    # With this many supporters or fewer, single-threading is a high-severity gap (else medium).
    single_thread_high: int = 1
    # A relationship not touched for this many days is stale.
    stale_days: int = 90
    # Levels that need an executive counterpart of ours (MIRRORS).
    executive_levels: tuple[str, ...] = ("executive", "vp")
    # Levels of "leaders" who must know us (a leader who does not is a danger signal).
    leader_levels: tuple[str, ...] = ("executive", "vp", "director")
    # A skeptic/opponent with at least this influence rating (1..5) is influential.
    influential_rating: float = 3.0
    # A supporter "reaches" someone when the strongest path is at least this strong.
    min_reach: float = 0.1
    # Decision weights at or above these make a member-level gap high / medium severity.
    high_weight: float = 0.6
    medium_weight: float = 0.3

    # ---------------------------------------------------------------- informal power
    # PageRank on the reversed influence graph: damping factor and a fixed number of iterations
    # (linear in the graph's size, deterministic).
    power_damping: float = 0.85
    power_iterations: int = 40
    # Informal power weighs informal ties over reporting lines: each tie's influence weight (the
    # model's edge rules) is multiplied by this factor of its kind before the ranking. A reporting line
    # is formal authority, which the formal rank already shows; counted in full it would make whoever
    # has the most direct reports the most "powerful". Influence, patronage and alliances are what the
    # org chart does not show (Krackhardt & Hanson's advice and trust networks).
    power_tie_factors: Mapping[str, float] = field(hash=False, default_factory=lambda: _frozen({
        "INFLUENCES": 1.0, "PROMOTED_BY": 1.0, "ALLY": 1.0, "REPORTS_TO": 0.2}))
    # Signals per person, from the ranks (1 = top) among the n active contacts. ``hidden_influencer``:
    # informal rank at least max(``signal_min_places``, ``signal_rank_share`` × n) places above the
    # formal rank, with an informal power of at least ``hidden_min_power`` (of the top person's).
    # ``title_without_power``: a leader (``leader_levels``) whose informal rank is as far below the
    # formal one and whose informal power is under ``title_max_power`` — never the head of the org
    # chart (formal rank 1), who decides by office however few seek their advice.
    signal_min_places: int = 2
    signal_rank_share: float = 0.2
    hidden_min_power: float = 0.4
    title_max_power: float = 0.4
    # ``broker`` (Burt's structural holes): someone with at least ``broker_min_contacts`` contacts (two
    # groups to bridge, not a go-between of a pair) who do not talk to each other: Burt's constraint at
    # most this (one contact is constraint 1; three who do not know each other ≈ 0.33) ...
    broker_constraint: float = 0.36
    broker_min_contacts: int = 3
    # ... or a normalised betweenness (share of the strongest influence paths between others that run
    # through them) of at least this; on a small map betweenness runs high for anyone in the middle,
    # hence a high bar. Betweenness costs a shortest-path search per person: it is
    # estimated from ``broker_samples`` seeded sources when there are more contacts than that, and
    # left out above ``broker_betweenness_max_contacts`` active contacts (constraint alone decides).
    broker_betweenness: float = 0.4
    broker_samples: int = 32
    broker_betweenness_max_contacts: int = 500
    # Formal seniority, most senior first (rank 1).
    level_order: tuple[str, ...] = ("executive", "vp", "director", "manager", "staff")

    # ---------------------------------------------------------------- account classification
    # Revenue and wallet size are scored on a log scale between these amounts (account currency):
    # 1 million scores 0, 100 million scores 1.
    money_low: float = 1e6
    money_high: float = 1e8
    # Margin in percent: 0 % scores 0, 25 % scores 1.
    margin_low: float = 0.0
    margin_high: float = 25.0
    # Revenue growth in percent: −10 % scores 0, +20 % scores 1.
    growth_low: float = -10.0
    growth_high: float = 20.0
    # Payment days: 30 days or fewer scores 1, 120 days or more scores 0.
    payment_good_days: float = 30.0
    payment_bad_days: float = 120.0
    # Credit ratings as a score.
    credit_scores: Mapping[str, float] = field(hash=False, default_factory=lambda: _frozen({
        "AAA": 1.0, "AA": 0.9, "A": 0.8, "BBB": 0.65, "BB": 0.5, "B": 0.35, "CCC": 0.2, "CC": 0.1,
        "C": 0.05, "D": 0.0}))
    # Qualification: the mean of all known criteria must reach this, with at least this many criteria
    # known (never one criterion alone) and none below the veto floor (a client who buys a lot but
    # squeezes the price below cost and pays late is not a key account).
    qualify_score: float = 0.5
    qualify_min_criteria: int = 4
    qualify_veto: float = 0.15
    # Benchmark: all four of influence, satisfaction (0..10), cooperation and loyalty at least these.
    benchmark_influence: float = 0.7
    benchmark_satisfaction: float = 8.0
    benchmark_cooperation: float = 0.7
    benchmark_loyalty: float = 0.7
    # Nail: a large untapped wallet (wallet × (1 − share), scored like revenue) ...
    nail_untapped_score: float = 0.5
    # ... and stuck: at least two of low share, low loyalty, flat growth.
    nail_share_pct: float = 30.0
    nail_loyalty: float = 0.5
    nail_flat_growth_pct: float = 5.0
    nail_min_stuck: int = 2
    # Danger signals and their points; two points make the account a danger account.
    danger_growth_pct: float = -5.0       # revenue falling by more than this: 1 point
    danger_steep_growth_pct: float = -15.0  # falling by more than this: 2 points
    danger_satisfaction: float = 6.0      # satisfaction below this: 1 point
    danger_low_satisfaction: float = 4.0  # at or below this: 2 points
    danger_points: int = 2
    # A champion/supporter who left within this many days counts as a danger signal (1 point each,
    # at most 2); a competitor whose chain support beats ours on an open opportunity: 1 point.
    champion_left_days: int = 365
    competitor_margin: float = 0.0
    # An opportunity is closed when its ``status`` is one of these (a deal without a status: when its
    # ``stage`` is, ignoring case). Stages are the company's own words ("Renewal", "Closed Won"): the
    # analytics never translate or rename them.
    closed_stages: tuple[str, ...] = ("won", "lost", "closed won", "closed lost")

    # ---------------------------------------------------------------- numbers in texts
    # Currency of amounts when neither the account nor its opportunities name one.
    default_currency: str = "CNY"
    # Texts for a redacted map, deck or change list (notes and entrenched interests left out): the advice
    # is the same — an interest holder is still no go-between — but the texts do not say what the interest
    # is (an interest holder is "not one to ask here"; a pick's entrenched-interest reason and the tactics
    # that defuse it are left out).
    discreet: bool = False

    def __post_init__(self) -> None:
        # Mappings given by the caller are copied read-only: options never change once built.
        for name in ("role_weights", "stance_values", "closeness_weights", "credit_scores", "seat_weights",
                     "seat_stance_factors", "power_tie_factors"):
            value = getattr(self, name)
            if not isinstance(value, MappingProxyType):
                object.__setattr__(self, name, _frozen(dict(value)))


DEFAULT_OPTIONS = ScoringOptions()


def resolve(options: ScoringOptions | None) -> ScoringOptions:
    """The options to use: the caller's, or the defaults."""
    return DEFAULT_OPTIONS if options is None else options


def discreet(options: ScoringOptions | None) -> ScoringOptions:
    """The options for a redacted output's texts (``ScoringOptions.discreet``)."""
    return replace(resolve(options), discreet=True)
