"""Seeded generators of realistic relationship maps, as import bundles (the ``POST /v1/import`` format).

``generate_account(n_contacts, seed)`` builds one client organisation:

- a formal reporting tree, breadth first, each manager with 5–10 direct reports; the depth gives the
  level (0 executive, 1 vp — the first two heads executive —, 2 director, 3 manager, deeper staff);
  each head of the first tier runs a department and everyone under them belongs to it;
- 1–3 informal ``INFLUENCES`` links per person (skip-level upwards, peers in the department, and
  across the organisation towards its top), a few ``PROMOTED_BY`` patrons, ``ALLY`` and ``RIVAL`` ties;
- our account team (sales, presales, service, an executive sponsor, a partner) with ``COVERS`` of a
  part of the decision chain and of the wider organisation, and ``MIRRORS`` of the client's executives;
- one opportunity with a decision chain of about 10 (100 contacts) to 40 (100,000 contacts) members,
  every buying role and every stance used, ``FAVORS`` to one or two of its competitors and
  ``HAS_INTEREST`` entrenched interests of every kind;
- Chinese names (surname + given name) and titles made of department and level.

The result passes the API's validation: ids match ``[A-Za-z0-9._:@-]{1,128}``, reporting lines form a
tree (no cycle), decision-chain members belong to the opportunity's account, no edge joins a node to
itself and no edge id repeats. The same arguments give the same bundle, byte for byte.

``generate_accounts(n_accounts, n_contacts, seed)`` yields account-sized bundles of a multi-account
store that share one pool of team members and competitors (a rep covers several accounts).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator, Sequence
from typing import Any

Bundle = dict[str, list[dict[str, Any]]]

SECTIONS = ("accounts", "contacts", "team", "competitors", "opportunities", "relationships", "decision_chain")

SURNAMES = (
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗",
    "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡",
    "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金",
    "石", "廖", "贾", "夏", "韦", "付", "方", "白", "邹", "孟", "熊", "秦", "邱", "江", "尹", "薛", "闫", "段", "雷", "侯",
    "龙", "史", "陶", "黎", "贺", "顾", "毛", "郝", "龚", "邵", "万", "钱", "严", "覃", "武", "戴", "莫", "孔", "向", "汤",
    "欧阳", "司马", "上官",
)
GIVEN = (
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "霞", "平", "刚",
    "晓", "浩", "海", "婷", "雪", "宇", "鹏", "辉", "玲", "华", "红", "斌", "峰", "琳", "欣", "凯", "梅", "倩", "颖", "鑫",
    "立", "新", "晨", "健", "宁", "东", "志强", "建国", "秀英", "桂英", "建华", "国强", "丽娟", "海燕", "晓东", "文博", "子涵", "雨欣",
    "浩然", "思远", "嘉怡", "俊杰", "振华", "春梅", "永红", "德明", "少华", "一鸣", "天宇", "佳琪", "志刚",
)

# (key, Chinese name of the department, staff job titles)
DEPARTMENTS = (
    ("finance", "财务", ("会计", "出纳", "财务分析师")),
    ("operations", "运营", ("运营专员", "计划员")),
    ("procurement", "采购", ("采购专员", "采购员")),
    ("it", "信息", ("系统工程师", "网络管理员", "开发工程师")),
    ("production", "生产", ("车间主任", "班组长", "工艺员")),
    ("sales", "销售", ("销售代表", "区域经理")),
    ("quality", "品质", ("质检员", "品质工程师")),
    ("rd", "研发", ("研发工程师", "结构工程师", "测试工程师")),
    ("marketing", "市场", ("市场专员", "品牌专员")),
    ("hr", "人力资源", ("招聘专员", "培训专员")),
    ("logistics", "物流", ("仓库主管", "调度员")),
    ("legal", "法务", ("法务专员",)),
    ("service", "客服", ("客服专员", "售后工程师")),
    ("design", "设计", ("设计师", "产品设计师")),
)
_SINGLE = tuple(g for g in GIVEN if len(g) == 1)
TOP_TITLES = ("总经理", "董事长", "总裁")
CITIES = (
    "广州", "深圳", "佛山", "东莞", "上海", "苏州", "杭州", "宁波", "南京", "北京", "天津", "青岛", "成都", "重庆", "武汉", "长沙", "西安",
    "厦门", "郑州", "合肥",
)
INDUSTRIES = (("furniture", "家具制造"), ("handset", "通信设备"), ("auto_parts", "汽车零部件"),
              ("chemicals", "化工"), ("logistics", "物流"), ("retail", "商贸"), ("pharma", "制药"),
              ("energy", "新能源"), ("electronics", "电子"), ("textiles", "纺织"))
REGIONS = ("华南", "华东", "华北", "华中", "西南", "西北", "东北")
NOTES = ("喜欢打高尔夫", "爱喝茶,偏好普洱", "周末常去钓鱼", "注重数据,凡事要看报告", "性格直爽,不喜欢绕弯子",
         "谨慎保守,决策慢", "重视面子,需要高层拜访", "关注个人晋升", "与现供应商私交很好", "刚从竞争对手处跳槽过来",
         "孩子在准备高考", "对价格非常敏感", "技术出身,看重方案细节", "喜欢足球,支持广州队")
COMPETITOR_NAMES = ("现有低端供应商", "华南某外资品牌", "本地价格型厂商", "国际一线品牌", "行业集成商",
                    "新兴互联网厂商", "老牌国企供应商", "台资代工厂", "上游原厂直销", "区域代理商")
OUR_TEAM = (("sales", "manager", "大客户经理"), ("presales", "staff", "售前工程师"),
            ("service", "staff", "客户成功经理"), ("executive", "vp", "区域副总裁"),
            ("partner", "manager", "渠道伙伴经理"), ("sales", "staff", "销售代表"))

ROLES = ("decision_maker", "economic_buyer", "technical_evaluator", "business_user", "procurement",
         "influencer", "coach", "gatekeeper")
STANCES = ("champion", "supporter", "neutral", "skeptic", "opponent", "unknown")
STANCE_WEIGHTS = (8, 20, 30, 12, 10, 20)
INTEREST_KINDS = ("kickback", "incumbent_loyalty", "job_threat", "influence_loss", "budget_ownership",
                  "personal", "other")
CRITERIA = ({"technical": 0.5, "price": 0.3, "service": 0.2}, {"technical": 0.3, "price": 0.5, "service": 0.2},
            {"technical": 0.4, "price": 0.4, "service": 0.2}, {"technical": 0.6, "price": 0.2, "service": 0.2},
            {"technical": 0.2, "price": 0.6, "service": 0.2})
STAGES = ("prospecting", "qualification", "proposal", "negotiation")
# Dates are relative to a fixed day, so that a seed gives the same bundle whenever it runs.
TODAY = dt.date(2026, 11, 30)


def chain_size(n_contacts: int, rng: random.Random) -> int:
    """About 10 members at 100 contacts, growing with the log of the size to about 40 at 100,000."""
    base = 10 + 9 * math.log10(max(n_contacts, 100) / 100)
    return max(1, min(n_contacts, 40, int(base) + rng.randint(0, 3)))


def _day(rng: random.Random, lo: int, hi: int) -> str:
    return (TODAY - dt.timedelta(days=rng.randint(lo, hi))).isoformat()


def _unit(rng: random.Random, lo: float = 0.0, hi: float = 1.0) -> float:
    return round(rng.uniform(lo, hi), 2)


def _name(rng: random.Random) -> str:
    given = rng.choice(GIVEN)
    if len(given) == 1 and rng.random() < 0.5:
        given += rng.choice(_SINGLE)
    return rng.choice(SURNAMES) + given


def make_team(prefix: str, size: int, seed: int) -> list[dict[str, Any]]:
    """Our side: ``size`` people, cycling through sales, presales, service, executive and partner roles."""
    rng = random.Random(f"team:{prefix}:{seed}")
    team = []
    for i in range(size):
        role, level, title = OUR_TEAM[i % len(OUR_TEAM)]
        team.append({"id": f"{prefix}t{i}", "name": _name(rng), "title": title, "level": level, "role": role})
    return team


def make_competitors(prefix: str, size: int) -> list[dict[str, Any]]:
    return [{"id": f"{prefix}k{i}", "name": COMPETITOR_NAMES[i % len(COMPETITOR_NAMES)]
             + ("" if i < len(COMPETITOR_NAMES) else f" {i // len(COMPETITOR_NAMES) + 1}")}
            for i in range(size)]


def generate_account(n_contacts: int, seed: int, account_id: str | None = None, *,
                     team: Sequence[dict[str, Any]] | None = None,
                     competitors: Sequence[dict[str, Any]] | None = None,
                     parent_id: str | None = None) -> Bundle:
    """One account's relationship map with ``n_contacts`` contacts, as an import bundle (a new dict).

    ``team`` and ``competitors`` are the pools to draw from (shared between accounts); by default the
    account gets its own team (4 people plus one per 2,000 contacts, at most 40) and 4 competitors.
    Ids start with ``account_id`` (default ``acct<seed>``), so accounts generated with different ids
    never collide.

    >>> b = generate_account(100, seed=1)
    >>> len(b["contacts"]), b["accounts"][0]["id"], b == generate_account(100, seed=1)
    (100, 'acct1', True)
    >>> sorted({m["role"] for m in b["decision_chain"]}) == sorted(ROLES)
    True
    """
    if n_contacts < 1:
        raise ValueError("an account needs at least one contact")
    rng = random.Random(f"account:{n_contacts}:{seed}")
    aid = account_id or f"acct{seed}"
    if team is None:
        team = make_team(f"{aid}.", min(40, 4 + n_contacts // 2000), seed)
    if competitors is None:
        competitors = make_competitors(f"{aid}.", 4)
    team = list(team)

    industry, industry_cn = rng.choice(INDUSTRIES)
    account: dict[str, Any] = {
        "id": aid, "name": f"{rng.choice(CITIES)}{rng.choice(('某', '市', '新'))}{industry_cn}有限公司",
        "industry": industry, "region": rng.choice(REGIONS),
        "metrics": {"annual_revenue": float(rng.randint(2, 500) * 1_000_000),
                    "margin_pct": rng.randint(-5, 35), "revenue_growth_pct": rng.randint(-30, 60),
                    "wallet_size": float(rng.randint(5, 900) * 1_000_000),
                    "share_of_wallet_pct": rng.randint(0, 80), "payment_days": rng.choice((30, 45, 60, 90, 120)),
                    "credit_rating": rng.choice(("AAA", "AA", "A", "BBB", "B", "C")),
                    "satisfaction": round(rng.uniform(3, 9.5), 1), "loyalty": _unit(rng),
                    "influence": _unit(rng), "cooperation": _unit(rng)},
    }
    if parent_id:
        account["parent_id"] = parent_id

    # ---- the formal organisation: a breadth-first reporting tree, 5-10 reports per manager ----------
    n = n_contacts
    boss = [-1] * n
    depth = [0] * n
    dept = [-1] * n  # index into DEPARTMENTS; -1 is the general management of the root
    children: list[list[int]] = [[] for _ in range(n)]
    dept_order = list(range(len(DEPARTMENTS)))
    rng.shuffle(dept_order)
    nxt, parent = 1, 0
    while nxt < n:
        width = rng.randint(5, 10)
        for _ in range(width):
            if nxt >= n:
                break
            boss[nxt], depth[nxt] = parent, depth[parent] + 1
            if parent == 0:
                dept[nxt] = dept_order[(len(children[0])) % len(dept_order)]
            else:
                dept[nxt] = dept[parent]
            children[parent].append(nxt)
            nxt += 1
        parent += 1
    members_of: dict[int, list[int]] = {}
    for i in range(n):
        members_of.setdefault(dept[i], []).append(i)

    cid = [f"{aid}.c{i}" for i in range(n)]
    contacts: list[dict[str, Any]] = []
    levels = []
    for i in range(n):
        d = depth[i]
        if d == 0:
            level, title = "executive", rng.choice(TOP_TITLES)
        else:
            _, cn, staff_titles = DEPARTMENTS[dept[i]]
            if d == 1:
                level = "executive" if children[0].index(i) < 2 else "vp"
                title = f"{cn}总监" if level == "executive" else f"分管{cn}副总"
            elif d == 2:
                level, title = "director", f"{cn}部{rng.choice(('总监', '部长', '副总监'))}"
            elif d == 3:
                level, title = "manager", f"{cn}{rng.choice(('经理', '主管', '科长'))}"
            else:
                level, title = "staff", rng.choice(staff_titles)
        levels.append(level)
        knows = rng.random() < {"executive": 0.6, "vp": 0.5, "director": 0.4, "manager": 0.3}.get(level, 0.15)
        contact: dict[str, Any] = {
            "id": cid[i], "account_id": aid, "name": _name(rng), "title": title,
            "department": "management" if dept[i] < 0 else DEPARTMENTS[dept[i]][0], "level": level,
            "status": "active", "knows_us": knows,
        }
        if i > 0 and rng.random() < 0.03:
            contact["status"], contact["left_at"] = "left", _day(rng, 5, 400)
        if rng.random() < 0.12:
            contact["notes"] = rng.choice(NOTES)
        if knows:
            contact["closeness"] = {"relationship": _unit(rng), "solution": _unit(rng), "price": _unit(rng)}
            if rng.random() < 0.7:
                contact["last_contact_at"] = _day(rng, 0, 240)
        contacts.append(contact)

    relationships: list[dict[str, Any]] = []
    seen: set[tuple[str, int, int]] = set()
    pairs: set[tuple[int, int]] = set()  # unordered ALLY/RIVAL pairs

    def rel(kind: str, s: int, t: int, **props: Any) -> bool:
        if s == t or (kind, s, t) in seen:
            return False
        seen.add((kind, s, t))
        relationships.append({"type": kind, "source": cid[s], "target": cid[t], **props})
        return True

    for i in range(1, n):
        rel("REPORTS_TO", i, boss[i])

    # ---- informal influence: 1-3 per person --------------------------------------------------------
    top = min(n, 60)  # the organisation's top draws influence from everywhere
    for i in range(n):
        if n < 2:
            break
        wanted = rng.randint(1, 3)
        for _ in range(wanted * 3):
            if wanted == 0:
                break
            r = rng.random()
            if r < 0.4 and boss[i] >= 0:  # upward: the boss's boss, or a peer of the boss
                b = boss[i]
                t = boss[b] if boss[b] >= 0 and rng.random() < 0.6 else rng.choice(children[boss[b]] if boss[b] >= 0
                                                                                     else [b])
            elif r < 0.75:  # a colleague in the same department
                t = rng.choice(members_of[dept[i]])
            else:  # across the organisation, towards its top
                t = rng.randrange(top) if rng.random() < 0.6 else rng.randrange(n)
            if rel("INFLUENCES", i, t, strength=_unit(rng, 0.2, 0.95)):
                wanted -= 1

    # ---- patrons, alliances, rivalries --------------------------------------------------------------
    for i in range(1, n):
        if rng.random() < 0.05:
            b = boss[i]
            patron = boss[b] if boss[b] >= 0 and rng.random() < 0.5 else b
            rel("PROMOTED_BY", i, patron)
        for kind, p in (("ALLY", 0.08), ("RIVAL", 0.04)):
            if rng.random() < p:
                pool = members_of[dept[i]] if rng.random() < 0.6 else range(min(n, 200))
                t = rng.choice(pool)
                pair = (min(i, t), max(i, t))
                if t != i and pair not in pairs:
                    pairs.add(pair)
                    rel(kind, i, t, strength=_unit(rng, 0.3, 0.9))

    # ---- the opportunity and its decision chain -----------------------------------------------------
    opp_competitors = rng.sample(list(competitors), k=min(len(competitors), rng.randint(1, 2)))
    opp_id = f"{aid}.o1"
    opportunity = {"id": opp_id, "account_id": aid, "name": f"{industry_cn}数字化升级项目",
                   "stage": rng.choice(STAGES), "amount": float(rng.randint(5, 500) * 100_000),
                   "currency": "CNY", "close_date": (TODAY + dt.timedelta(days=rng.randint(30, 360))).isoformat(),
                   "criteria": dict(rng.choice(CRITERIA)), "competitor_ids": [c["id"] for c in opp_competitors]}
    size = chain_size(n, rng)
    # Candidates: the top of the organisation first, then a few from deeper down.
    head_pool = list(range(1, min(n, max(size * 3, 30))))
    rng.shuffle(head_pool)
    chosen = [0] + head_pool[: max(0, size - 1 - size // 5)]
    deeper = [i for i in rng.sample(range(n), k=min(n, size * 2)) if i not in set(chosen)]
    chosen += deeper[: size - len(chosen)]
    chosen = chosen[:size]
    roles = list(ROLES) + [rng.choice(("technical_evaluator", "business_user", "influencer", "influencer",
                                       "procurement", "coach")) for _ in range(max(0, size - len(ROLES)))]
    stances = list(STANCES)
    rng.shuffle(stances)
    stances += rng.choices(STANCES, weights=STANCE_WEIGHTS, k=max(0, size - len(STANCES)))
    chain: list[dict[str, Any]] = []
    for pos, i in enumerate(chosen):
        role = roles[pos]
        influence = 5 if role == "decision_maker" else max(1, min(5, 5 - min(depth[i], 4) + rng.randint(-1, 1)))
        member: dict[str, Any] = {"opportunity_id": opp_id, "contact_id": cid[i], "role": role,
                                  "stance": stances[pos], "influence": influence}
        if rng.random() < 0.5:
            member["closeness"] = {"relationship": _unit(rng), "solution": _unit(rng), "price": _unit(rng)}
        chain.append(member)
    stance_of = {chosen[pos]: m["stance"] for pos, m in enumerate(chain)}

    # ---- our coverage --------------------------------------------------------------------------------
    covered: set[int] = set()
    reps = [m for m in team if m["role"] != "executive"] or team
    for i in chosen:
        if rng.random() < 0.6:
            for ours in rng.sample(reps, k=min(len(reps), rng.randint(1, 2))):
                _cover(relationships, rng, ours["id"], cid[i])
            covered.add(i)
    extra = min(n // 20, 40 * len(team))
    for i in rng.sample(range(n), k=extra):
        if i not in covered:
            covered.add(i)
            _cover(relationships, rng, rng.choice(reps)["id"], cid[i])
    executives = [m for m in team if m["role"] == "executive"]
    client_heads = [0] + [i for i in children[0] if levels[i] == "executive"]
    for ours in executives[:2]:
        for i in rng.sample(client_heads, k=min(len(client_heads), rng.randint(2, 3))):
            relationships.append({"type": "MIRRORS", "source": ours["id"], "target": cid[i]})

    # ---- competitors' friends and entrenched interests -----------------------------------------------
    favoring = [i for i in chosen if stance_of[i] in ("opponent", "skeptic")]
    favoring += rng.sample(range(n), k=min(n, max(2, n // 100)))
    kinds = list(INTEREST_KINDS)
    rng.shuffle(kinds)
    interested = [i for i in chosen if rng.random() < 0.35] + rng.sample(range(n), k=min(n, max(3, n // 200)))
    for i in dict.fromkeys(favoring):
        for comp in rng.sample(opp_competitors, k=rng.randint(1, len(opp_competitors))):
            relationships.append({"type": "FAVORS", "source": cid[i], "target": comp["id"],
                                  "strength": _unit(rng, 0.2, 0.95)})
    for pos, i in enumerate(dict.fromkeys(interested)):
        kind = kinds[pos] if pos < len(kinds) else rng.choice(INTEREST_KINDS)
        target = rng.choice(opp_competitors)["id"] if kind in ("kickback", "incumbent_loyalty") else opp_id
        relationships.append({"type": "HAS_INTEREST", "source": cid[i], "target": target, "kind": kind,
                              "threat": _unit(rng, 0.1, 0.95)})

    used_team = sorted({r["source"] for r in relationships if r["type"] in ("COVERS", "MIRRORS")})
    team_rows = [m for m in team if m["id"] in set(used_team)]
    return {"accounts": [account], "contacts": contacts, "team": [dict(t) for t in team_rows],
            "competitors": [dict(c) for c in opp_competitors], "opportunities": [opportunity],
            "relationships": relationships, "decision_chain": chain}


def _cover(relationships: list[dict[str, Any]], rng: random.Random, team_id: str, contact_id: str) -> None:
    edge: dict[str, Any] = {"type": "COVERS", "source": team_id, "target": contact_id,
                            "closeness": _unit(rng, 0.1, 0.9)}
    if rng.random() < 0.85:
        edge["last_contact_at"] = _day(rng, 0, 200)
    relationships.append(edge)


def generate_accounts(n_accounts: int, n_contacts: int, seed: int, prefix: str = "m") -> Iterator[Bundle]:
    """``n_accounts`` account-sized bundles of ``n_contacts`` contacts each, one at a time (to import
    one by one). Accounts share a team of one person per 10 accounts (at least 6) and 20 competitors;
    every 50th account heads a group that the next 49 belong to (``parent_id``), so the bundles must be
    imported in order. Account ``k`` has id ``{prefix}{k}`` and is ``generate_account`` of seed
    ``seed * 1_000_003 + k`` with the shared pools.

    >>> bundles = list(generate_accounts(3, 20, seed=7))
    >>> [b["accounts"][0]["id"] for b in bundles], bundles[1]["accounts"][0]["parent_id"]
    (['m0', 'm1', 'm2'], 'm0')
    """
    team = make_team(f"{prefix}.", max(6, n_accounts // 10), seed)
    competitors = make_competitors(f"{prefix}.", 20)
    for k in range(n_accounts):
        yield account_of_many(k, n_contacts, seed, prefix, team=team, competitors=competitors)


def account_of_many(k: int, n_contacts: int, seed: int, prefix: str = "m", *,
                    team: Sequence[dict[str, Any]] | None = None,
                    competitors: Sequence[dict[str, Any]] | None = None,
                    n_accounts: int | None = None, standalone: bool = False) -> Bundle:
    """Account ``k`` of :func:`generate_accounts` alone (the same bundle), e.g. to load it into a store
    of its own. ``standalone`` drops the group parent so it imports into an empty store."""
    if team is None:
        team = make_team(f"{prefix}.", max(6, (n_accounts or 60) // 10), seed)
    if competitors is None:
        competitors = make_competitors(f"{prefix}.", 20)
    rng = random.Random(f"pick:{seed}:{k}")
    picked_team = rng.sample(list(team), k=min(len(team), 4))
    if not any(t["role"] == "executive" for t in picked_team):
        picked_team.append(next(t for t in team if t["role"] == "executive"))
    picked_comp = rng.sample(list(competitors), k=min(len(competitors), 3))
    parent = None if standalone or k % 50 == 0 else f"{prefix}{k - k % 50}"
    return generate_account(n_contacts, seed * 1_000_003 + k, f"{prefix}{k}", team=picked_team,
                            competitors=picked_comp, parent_id=parent)


def merge(bundles: Sequence[Bundle]) -> Bundle:
    """One bundle holding all of ``bundles`` (rows shared between them, such as team members, once)."""
    out: Bundle = {s: [] for s in SECTIONS}
    seen: set[tuple[str, str]] = set()
    for b in bundles:
        for section in SECTIONS:
            for row in b.get(section, []):
                if section in ("team", "competitors"):
                    if (section, row["id"]) in seen:
                        continue
                    seen.add((section, row["id"]))
                out[section].append(row)
    return out


def row_count(bundle: Bundle) -> int:
    """Rows of a bundle: every node, relationship and decision-chain membership."""
    return sum(len(bundle.get(s, [])) for s in SECTIONS)
