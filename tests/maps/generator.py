"""A seeded generator of large accounts for the map tests: an org of ``size`` contacts (a CEO, VPs,
directors, managers and their staff, a few people without a known manager, some who left), our team
covering part of it, influence lines, allies and rivals, an opportunity with its decision chain,
competitors, entrenched interests and personal notes. Same seed, same bundle.
"""

from __future__ import annotations

import random
from typing import Any

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建文辉力斌宇浩凯鹏健俊帆晨欣怡佳琳雪梅婷慧颖倩晓峰海波亮志国庆春燕云飞龙翔瑞博宁新立东旭阳"
DEPARTMENTS = [
    ("operations", "运营", "运营"), ("finance", "财务", "财务"), ("sales", "销售", "销售"),
    ("it", "信息技术", "IT"), ("procurement", "采购", "采购"), ("rnd", "研发", "研发"),
]


def _name(rng: random.Random, used: set[str]) -> str:
    while True:
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
        if name not in used:
            used.add(name)
            return name


def large_account(size: int = 300, seed: int = 7, account_id: str = "big") -> dict[str, Any]:
    """A bundle with one account of exactly ``size`` contacts (size ≥ 20)."""
    rng = random.Random(seed)
    used: set[str] = set()
    contacts: list[dict[str, Any]] = []
    rels: list[dict[str, Any]] = []
    boss: dict[str, str] = {}

    def add(level: str, title: str, dept: str, manager: str | None) -> str:
        cid = f"{account_id}-c{len(contacts):03d}"
        contact: dict[str, Any] = {"id": cid, "account_id": account_id, "name": _name(rng, used),
                                   "title": title, "department": dept, "level": level,
                                   "knows_us": rng.random() < 0.55}
        contacts.append(contact)
        if manager is not None:
            boss[cid] = manager
            rels.append({"type": "REPORTS_TO", "source": cid, "target": manager})
        return cid

    ceo = add("executive", "总裁", "management", None)
    loners = max(3, size // 40)
    budget = size - 1 - loners
    vps = []
    for dept, zh, short in DEPARTMENTS:
        vps.append((add("vp", f"{zh}副总裁", dept, ceo), dept, zh, short))
        budget -= 1
    directors = []
    for vp, dept, zh, short in vps:
        for i in range(rng.randint(2, 3)):
            directors.append((add("director", f"{short}{'一二三'[i]}部总监", dept, vp), dept, short))
            budget -= 1
    managers = []
    for director, dept, short in directors:
        for _ in range(rng.randint(1, 3)):
            if budget <= 0:
                break
            managers.append((add("manager", f"{short}经理", dept, director), dept, short))
            budget -= 1
    i = 0
    while budget > 0:
        manager, dept, short = managers[i % len(managers)]
        add("staff", rng.choice([f"{short}专员", f"{short}工程师", f"高级{short}主管", f"{short}分析师"]),
            dept, manager)
        budget -= 1
        i += 1 if rng.random() < 0.75 else 2
    for _ in range(loners):
        dept, zh, short = rng.choice(DEPARTMENTS)
        add(rng.choice(["director", "manager", "staff"]), rng.choice([f"{zh}顾问", f"驻场{short}专家", "董事会秘书"]),
            dept, None)
    assert len(contacts) == size
    ids = [c["id"] for c in contacts]
    for c in rng.sample(contacts[8:], max(4, size // 30)):
        c["status"] = "left"
        c["left_at"] = f"2026-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}"
    for c in rng.sample(contacts, max(5, size // 25)):
        c["notes"] = rng.choice(["喜欢打高尔夫，周末常去球场", "喜欢喝普洱茶", "孩子今年高考", "喜欢钓鱼"])

    # Influence runs mostly inside a department and near the reporting line; some crosses over.
    by_dept: dict[str, list[str]] = {}
    for c in contacts:
        by_dept.setdefault(c["department"], []).append(c["id"])
    level_of = {c["id"]: c["level"] for c in contacts}
    dept_of = {c["id"]: c["department"] for c in contacts}
    seniors = ("executive", "vp", "director")

    def pair(kind: str) -> tuple[str, str]:
        a = rng.choice(ids)
        if kind == "PROMOTED_BY" and boss.get(a) and boss.get(boss[a]):
            return a, boss[boss[a]]                       # the boss's boss brought them up
        if kind == "RIVAL" or rng.random() < 0.2:
            pool = [c for c in ids if level_of[c] == level_of[a]] or ids
        elif boss.get(a) and rng.random() < 0.4:
            pool = [c for c, b in boss.items() if b == boss[a]] + [boss[a]]
        else:
            pool = by_dept[dept_of[a]]
        if kind == "INFLUENCES" and rng.random() < 0.3:
            pool = [c for c in ids if level_of[c] in seniors]
        b = rng.choice(pool)
        return a, b

    seen: set[tuple[str, ...]] = set()
    for kind, count in (("INFLUENCES", size // 6), ("PROMOTED_BY", size // 30), ("ALLY", size // 20),
                        ("RIVAL", size // 30)):
        made = 0
        while made < count:
            a, b = pair(kind)
            if a == b or (kind != "PROMOTED_BY" and boss.get(a) == b and rng.random() < 0.5):
                continue
            key = (kind, *sorted((a, b))) if kind in ("ALLY", "RIVAL") else (kind, a, b)
            if key in seen:
                continue
            seen.add(key)
            rel: dict[str, Any] = {"type": kind, "source": a, "target": b}
            if kind != "PROMOTED_BY":
                rel["strength"] = round(rng.uniform(0.2, 1.0), 2)
            rels.append(rel)
            made += 1

    team = [{"id": f"{account_id}-t{i}", "name": name, "title": title, "level": level, "role": role}
            for i, (name, title, level, role) in enumerate([
                ("周海", "华东区副总裁", "vp", "executive"), ("王磊", "大客户经理", "manager", "sales"),
                ("李娜", "客户经理", "staff", "sales"), ("张敏", "售前工程师", "staff", "presales"),
                ("陈刚", "服务经理", "manager", "service"), ("Anna Li", "Partner manager", "manager", "partner")])]
    covered = rng.sample(ids, max(10, size // 8))
    for n, c in enumerate(covered):
        member = team[1 + n % (len(team) - 1)]["id"] if n else team[0]["id"]
        rels.append({"type": "COVERS", "source": member, "target": c, "closeness": round(rng.uniform(0.1, 1), 2),
                     "last_contact_at": f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}"})
    rels.append({"type": "MIRRORS", "source": team[0]["id"], "target": ceo})
    rels.append({"type": "MIRRORS", "source": team[0]["id"], "target": vps[0][0]})

    opp = f"{account_id}-opp"
    competitors = [{"id": f"{account_id}-rival{i}", "name": name} for i, name in
                   enumerate(["现有系统集成商", "Rival Instruments"])]
    chain_people = [ceo, vps[0][0], vps[1][0], vps[3][0], vps[4][0]] + rng.sample(ids[7:], 20)
    roles = ["decision_maker", "economic_buyer", "influencer", "technical_evaluator", "procurement"]
    chain = []
    for n, c in enumerate(dict.fromkeys(chain_people)):
        chain.append({"opportunity_id": opp, "contact_id": c,
                      "role": roles[n] if n < len(roles) else rng.choice(
                          ["technical_evaluator", "business_user", "influencer", "coach", "gatekeeper",
                           "procurement"]),
                      "stance": rng.choice(["champion", "supporter", "neutral", "skeptic", "opponent", "unknown"]),
                      "influence": rng.randint(1, 5)})
    for c in rng.sample(chain_people, 6):
        rels.append({"type": "FAVORS", "source": c, "target": rng.choice(competitors)["id"],
                     "strength": round(rng.uniform(0.3, 0.9), 2)})
    for c in rng.sample(chain_people, 5):
        rels.append({"type": "HAS_INTEREST", "source": c, "target": rng.choice([opp, competitors[0]["id"]]),
                     "kind": rng.choice(["kickback", "job_threat", "budget_ownership", "influence_loss"]),
                     "threat": round(rng.uniform(0.3, 0.9), 2), "note": "现供应商回扣传闻"})
    return {
        "accounts": [{"id": account_id, "name": "华东某电子集团有限公司", "industry": "electronics",
                      "region": "华东"}],
        "contacts": contacts,
        "team": team,
        "competitors": competitors,
        "opportunities": [{"id": opp, "account_id": account_id, "name": "集团数字化工厂平台",
                           "stage": "proposal", "amount": 28000000, "close_date": "2027-09-30",
                           "criteria": {"technical": 0.5, "price": 0.3, "service": 0.2},
                           "competitor_ids": [c["id"] for c in competitors]}],
        "relationships": rels,
        "decision_chain": chain,
    }
