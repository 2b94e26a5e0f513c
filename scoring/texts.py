"""Every text the analytics return, by stable code, in English and Simplified Chinese.

Reasons, tactics, gap messages and actions, drivers and playbook items all come from here, so the
advice speaks one language (the key-account methods the product serves) and a front end can key on
the code and localise it itself. Texts use ``{placeholders}``; ``text`` fills them.

>>> text("reason.sways_decision_maker", "en", name="Chen")
'Sways Chen, who makes the decision.'
>>> text("reason.sways_decision_maker", "zh-CN", name="陈总")
'能影响决策者陈总。'
>>> text("label.role.coach", "fr")
'coach'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LANGS = ("en", "zh-CN")

TEXTS: dict[str, dict[str, str]] = {
    # ------------------------------------------------------------------ labels
    "label.role.decision_maker": {"en": "decision maker", "zh-CN": "决策者"},
    "label.role.economic_buyer": {"en": "economic buyer", "zh-CN": "预算决策者"},
    "label.role.technical_evaluator": {"en": "technical evaluator", "zh-CN": "技术评估者"},
    "label.role.business_user": {"en": "business user", "zh-CN": "业务使用者"},
    "label.role.procurement": {"en": "procurement", "zh-CN": "采购"},
    "label.role.influencer": {"en": "influencer", "zh-CN": "影响者"},
    "label.role.coach": {"en": "coach", "zh-CN": "内线（教练）"},
    "label.role.gatekeeper": {"en": "gatekeeper", "zh-CN": "把关者"},
    "label.stance.champion": {"en": "champion", "zh-CN": "坚定支持者"},
    "label.stance.supporter": {"en": "supporter", "zh-CN": "支持者"},
    "label.stance.neutral": {"en": "neutral", "zh-CN": "中立"},
    "label.stance.skeptic": {"en": "skeptic", "zh-CN": "怀疑者"},
    "label.stance.opponent": {"en": "opponent", "zh-CN": "反对者"},
    "label.stance.unknown": {"en": "unknown", "zh-CN": "态度不明"},
    # a relationship's kind where a line is named in a list ("A → B (promoted)"): the change list, the
    # PDF's lines to other pages, the web app's lists of a person's lines
    "label.line.REPORTS_TO": {"en": "reports to", "zh-CN": "汇报关系"},
    "label.line.REPORTS_TO_SECONDARY": {"en": "also reports to", "zh-CN": "第二汇报线"},
    "label.line.INFLUENCES": {"en": "influences", "zh-CN": "影响"},
    "label.line.PROMOTED_BY": {"en": "promoted", "zh-CN": "提拔"},  # named patron → protégé (drawn_ends)
    "label.line.ALLY": {"en": "ally", "zh-CN": "盟友"},
    "label.line.RIVAL": {"en": "rival", "zh-CN": "对立"},
    "label.line.COVERS": {"en": "covers", "zh-CN": "覆盖"},
    "label.line.MIRRORS": {"en": "counterpart", "zh-CN": "高层对等"},
    "label.line.FAVORS": {"en": "favours", "zh-CN": "倾向"},
    "label.interest.kickback": {"en": "kickback from the incumbent", "zh-CN": "现供应商的回扣"},
    "label.interest.incumbent_loyalty": {"en": "loyalty to the incumbent", "zh-CN": "与现供应商关系密切"},
    "label.interest.job_threat": {"en": "their role is threatened", "zh-CN": "岗位或作用受到威胁"},
    "label.interest.influence_loss": {"en": "loss of influence", "zh-CN": "影响力被削弱"},
    "label.interest.budget_ownership": {"en": "budget ownership", "zh-CN": "预算归属之争"},
    "label.interest.personal": {"en": "personal interest", "zh-CN": "个人利益"},
    "label.interest.other": {"en": "another interest", "zh-CN": "其他利益"},
    "label.interest.rival_loyalty": {"en": "loyalty to a rival", "zh-CN": "倾向竞争对手"},
    "label.class.benchmark": {"en": "benchmark", "zh-CN": "标杆客户"},
    "label.class.nail": {"en": "nail", "zh-CN": "钉子客户"},
    "label.class.danger": {"en": "danger", "zh-CN": "危险客户"},
    "label.class.standard": {"en": "standard", "zh-CN": "普通客户"},
    "label.list_separator": {"en": ", ", "zh-CN": "、"},
    "label.won_in_step": {"en": "{name} (ours since step {step})", "zh-CN": "{name}（第{step}步已争取）"},
    "label.signal.hidden_influencer": {"en": "hidden influencer", "zh-CN": "隐形影响者"},
    "label.signal.title_without_power": {"en": "title without power", "zh-CN": "有职无权"},
    "label.signal.broker": {"en": "broker", "zh-CN": "桥梁人物"},
    "label.unhelpful.opposed": {"en": "{stance} of this deal", "zh-CN": "对本商机是{stance}"},
    "label.unhelpful.opposed_any": {"en": "{stance} in {opportunity}", "zh-CN": "在{opportunity}中是{stance}"},
    "label.unhelpful.interest": {"en": "stands to lose if we win: {kind}", "zh-CN": "我们赢单会触动其利益：{kind}"},
    "label.unhelpful.favors": {"en": "loyal to {competitor}", "zh-CN": "倾向于{competitor}"},
    "label.unhelpful.withheld": {"en": "not one to ask here", "zh-CN": "不宜请其出面"},
    "label.nobody": {"en": "nobody yet", "zh-CN": "暂无"},
    "label.criterion.revenue": {"en": "revenue", "zh-CN": "营收"},
    "label.criterion.margin": {"en": "margin", "zh-CN": "毛利率"},
    "label.criterion.growth": {"en": "growth", "zh-CN": "增长"},
    "label.criterion.wallet_potential": {"en": "wallet potential", "zh-CN": "采购潜力"},
    "label.criterion.credit_payment": {"en": "credit and payment", "zh-CN": "信用与回款"},
    "label.criterion.access_to_goals": {"en": "access to their leaders", "zh-CN": "接触对方领导层"},
    "label.criterion.openness": {"en": "openness to working with us", "zh-CN": "合作意愿"},
    "label.criterion_score": {"en": "{criterion} {score}", "zh-CN": "{criterion}{score}"},
    "label.or": {"en": " or ", "zh-CN": "或"},

    # ------------------------------------------------------------------ decision chain
    "chain.empty": {
        "en": "The decision chain is empty: nobody has been placed in it yet. Start by finding who decides, "
              "who owns the budget and who could coach us.",
        "zh-CN": "决策链为空：还没有录入任何人。先弄清谁拍板、谁掌握预算、谁能做我们的内线。"},
    "chain.all_left": {
        "en": "Everyone in this decision chain has left the client: the chain must be rebuilt.",
        "zh-CN": "决策链中的人都已离开客户单位，需要重新梳理决策链。"},

    "chain.seat.missing": {"en": "No {role} is known in the decision chain.",
                           "zh-CN": "决策链中还没有明确的{role}。"},
    "chain.seat.against": {"en": "The {role} seat is held by {name}, {stance}.",
                           "zh-CN": "{role}由{name}担任，其态度是{stance}。"},
    "chain.seat.unknown": {"en": "We do not know where {name} ({role}) stands.",
                           "zh-CN": "还不清楚{role}{name}的态度。"},
    "chain.seat.neutral": {"en": "{name} ({role}) is not for us yet.", "zh-CN": "{role}{name}尚未支持我们。"},
    "chain.seat.thin": {"en": "{name} ({role}) is for us, but our tie to them is thin.",
                        "zh-CN": "{role}{name}支持我们，但我们与其联系薄弱。"},

    # ------------------------------------------------------------------ signals (informal power)
    "signal.hidden_influencer": {
        "en": "Carries more weight than the title says: informal rank {informal} of {count}, formal rank "
              "{formal}.",
        "zh-CN": "实际影响力高于职位：非正式影响力排第{informal}位（共{count}人），职位排第{formal}位。"},
    "signal.title_without_power": {
        "en": "A senior title with less sway than it suggests: informal rank {informal} of {count}, formal "
              "rank {formal}.",
        "zh-CN": "职位高而实际影响力有限：非正式影响力排第{informal}位（共{count}人），职位排第{formal}位。"},
    "signal.broker": {
        "en": "A broker: links {names}, who otherwise barely talk to each other.",
        "zh-CN": "桥梁人物：连接着{names}，这些人彼此之间很少直接往来。"},

    # ------------------------------------------------------------------ reasons (who to win over next)
    "reason.is_decision_maker": {"en": "Makes the decision on this deal.", "zh-CN": "是本商机的决策者。"},
    "reason.is_economic_buyer": {"en": "Owns the budget for this deal.", "zh-CN": "掌握本商机的预算。"},
    "reason.chain_role": {"en": "Sits in the decision chain as {role}.", "zh-CN": "在决策链中担任{role}。"},
    "reason.sways_decision_maker": {"en": "Sways {name}, who makes the decision.",
                                    "zh-CN": "能影响决策者{name}。"},
    "reason.sways_economic_buyer": {"en": "Sways {name}, who owns the budget.",
                                    "zh-CN": "能影响掌握预算的{name}。"},
    "reason.sways_member": {"en": "Sways {name} ({role}) in the decision chain.",
                            "zh-CN": "能影响决策链中的{name}（{role}）。"},
    "reason.outside_chain": {
        "en": "Not in the decision chain, yet shapes it through the people they influence.",
        "zh-CN": "虽不在决策链中，却通过其影响的人左右这次决策。"},
    "reason.currently_opposed": {
        "en": "Currently {stance}: winning them over removes resistance inside the chain.",
        "zh-CN": "目前是{stance}：争取过来就能化解决策链内部的阻力。"},
    "reason.stance_unknown": {"en": "We do not know where they stand yet.",
                              "zh-CN": "我们还不清楚其态度。"},
    "reason.not_aware_of_us": {"en": "Does not know us yet.", "zh-CN": "还不认识我们。"},
    "reason.leader_not_aware": {"en": "A leader who does not know us yet — a danger signal.",
                                "zh-CN": "是一位还不认识我们的领导——这是危险信号。"},
    "reason.reachable_through": {"en": "Reachable through {via} (path strength {strength}).",
                                 "zh-CN": "可以通过{via}接触（路径强度 {strength}）。"},
    "reason.reachable_by_ours": {
        "en": "Reachable through {source}, who is on our side already (their sway on them {strength}).",
        "zh-CN": "可以通过已站在我们一边的{source}接触（其对此人的影响强度 {strength}）。"},
    "reason.reachable_from_ours": {
        "en": "Reachable from {source}, who is on our side already, through {via} (strength of the way "
              "from {source} {strength}).",
        "zh-CN": "可以从已站在我们一边的{source}出发，经{via}接触（从{source}出发的路径强度 {strength}）。"},
    "reason.informal_unknown": {
        "en": "We know none of their informal ties yet, so we cannot tell how much sway they have: find out "
              "whom they listen to and who listens to them.",
        "zh-CN": "我们还不了解其非正式关系，无从判断其实际影响力：弄清其听谁的、谁听其的。"},
    "reason.covered_by": {"en": "{name} on our team already has a line to them (strength {strength}).",
                          "zh-CN": "我方{name}已与其建立联系（强度 {strength}）。"},
    "reason.cold_outreach": {"en": "No warm path to them yet: the first approach will be cold.",
                             "zh-CN": "目前没有可借助的关系路径，只能直接接触。"},
    "reason.entrenched_interest": {"en": "Stands to lose something if we win: {kind} (threat {threat}).",
                                   "zh-CN": "我们赢单会触动其利益：{kind}（威胁度 {threat}）。"},
    "reason.hidden_influencer": {
        "en": "A hidden influencer: carries more weight than the title says (informal rank {informal}, "
              "formal rank {formal}).",
        "zh-CN": "隐形影响者：实际影响力高于职位（非正式影响力第{informal}位，职位第{formal}位）。"},
    "reason.title_without_power": {
        "en": "Their title carries less sway than it suggests: win the people they listen to as well.",
        "zh-CN": "其职位的实际影响力有限：也要争取其信任的人。"},
    "reason.broker": {"en": "A broker between people who otherwise barely talk: {names}.",
                      "zh-CN": "桥梁人物，连接着彼此少有往来的{names}。"},
    "reason.reinforces_ours": {"en": "{name} is on our side and listens to them: winning them keeps "
                                     "{short} with us.",
                               "zh-CN": "{name}已站在我们一边，且听取其意见：争取其支持能巩固{short}的支持。"},
    "reason.verify_record": {
        "en": "{name} is recorded as on our side, yet {why}: verify where they really stand before relying "
              "on them.",
        "zh-CN": "{name}被记为支持我们，但{why}：先核实其真实立场，再决定是否依靠其帮忙。"},
    "reason.only_through_unhelpful": {
        "en": "The only warm way to them runs through {name} ({why}): we do not go through them.",
        "zh-CN": "唯一可借助的关系要经过{name}（{why}），我们不走这条路。"},

    # ------------------------------------------------------------------ tactics
    "tactic.defuse_earn_trust": {
        "en": "Give it time: earn their trust with small, reliable steps before asking for support.",
        "zh-CN": "给时间：先用一件件靠谱的小事赢得信任，再谈支持。"},
    "tactic.defuse_ally_speaks": {
        "en": "Have {name}, whom they listen to, speak well of us to them.",
        "zh-CN": "请其信任的{name}替我们说话。"},
    "tactic.defuse_find_ally": {
        "en": "Find someone they trust and have that person speak well of us to them.",
        "zh-CN": "找到其信任的人，请对方替我们说话。"},
    "tactic.defuse_other_departments": {
        "en": "Work around them through other departments ({departments}) so their interest does not "
              "decide the deal, and keep them informed: someone who feels bypassed becomes an enemy.",
        "zh-CN": "绕开其利益，从其他部门（{departments}）打开局面，不让其个人利益左右结果；同时让其知情，"
                 "被绕开的人容易成为对手。"},
    "tactic.defuse_show_role": {
        "en": "Show how our solution makes their role bigger, not smaller: give them a visible part in "
              "the project.",
        "zh-CN": "让其看到我们的方案会提升而不是削弱其作用：在项目中给其一个看得见的角色。"},
    "tactic.defuse_wait": {
        "en": "If the interest runs deep, do not force it: keep the door open and wait for a change in "
              "their position.",
        "zh-CN": "利益根深蒂固时不要硬攻：保持联系，等待其岗位变动。"},
    "tactic.executive_visit": {
        "en": "Arrange an executive-to-executive visit: {exec} meets them and introduces us.",
        "zh-CN": "安排高层对高层拜访：由{exec}出面拜访，介绍我们公司。"},
    "tactic.executive_visit_sponsor": {
        "en": "Ask our management for an executive sponsor to visit them: leaders meet leaders.",
        "zh-CN": "请公司指派一位高管挂帅拜访：高层对高层。"},
    "tactic.mirror_counterpart": {
        "en": "Pair them with a counterpart of matching rank on our side ({exec}) who meets them regularly.",
        "zh-CN": "为其安排我方对等职级的对口人（{exec}），定期会面。"},
    "tactic.mirror_counterpart_sponsor": {
        "en": "Name a counterpart of matching rank on our side who meets them regularly.",
        "zh-CN": "在我方指定一位对等职级的对口人，定期会面。"},
    "tactic.introduce_through": {
        "en": "Ask {name} to introduce us and to speak for our proposal.",
        "zh-CN": "请{name}引荐，并为我们的方案说话。"},
    "tactic.introduce_then_win": {
        "en": "Ask {helper} to introduce us to {next}; win {pending} over before asking for an introduction "
              "to this person.",
        "zh-CN": "请{helper}先把我们引荐给{next}；先争取{pending}的支持，再请其引荐此人。"},
    "tactic.meet_then_win": {
        "en": "{owner} meets {next} first; win {pending} over before asking for an introduction to this "
              "person.",
        "zh-CN": "由{owner}先接触{next}；先争取{pending}的支持，再请其引荐此人。"},
    "tactic.ours_speaks": {
        "en": "Have {name}, who is on our side and whom they listen to, speak well of our proposal to them.",
        "zh-CN": "请已站在我们一边、其信任的{name}替我们的方案说话。"},
    "tactic.deepen_direct": {
        "en": "{name} deepens the relationship: a working session on their goals, not a sales pitch.",
        "zh-CN": "由{name}加深关系：围绕对方目标开一次工作会，而不是推销。"},
    "tactic.cold_event": {
        "en": "Invite them to a seminar or to a visit at one of our benchmark clients to open the first "
              "conversation.",
        "zh-CN": "邀请其参加研讨会或参观我们的标杆客户，打开第一次对话。"},
    "tactic.solution_demo": {
        "en": "Show the solution's value hands-on: a demo or pilot for their technical evaluation.",
        "zh-CN": "让其亲自体验方案价值：为技术评估安排演示或试点。"},
    "tactic.value_case": {
        "en": "Bring a value case: total cost over the lifetime, payment terms and service, not only the "
              "unit price.",
        "zh-CN": "拿出价值测算：全生命周期成本、付款条件与服务，而不只是单价。"},
    "tactic.business_goals": {
        "en": "Tie the proposal to their business goals and KPIs, the long-term ones as well as the cost "
              "of today.",
        "zh-CN": "把方案与其经营目标和考核指标挂钩，既讲眼前成本，也讲长远发展。"},
    "tactic.discover_stance": {
        "en": "Find out their stance, their KPIs and what they stand to gain or lose before pushing.",
        "zh-CN": "先摸清其态度、考核指标以及得失，再推进。"},
    "tactic.alternative_peer": {
        "en": "Go through {name}, a peer of theirs who is on our side, instead.",
        "zh-CN": "改由与其平级、站在我们一边的{name}引荐。"},
    "tactic.alternative_executive": {
        "en": "Have {exec}, our executive of matching rank, approach them directly.",
        "zh-CN": "由我方对等职级的{exec}直接拜访。"},
    "tactic.alternative_department": {
        "en": "Come in through another department ({departments}) rather than through {name}, and keep "
              "{name} informed: going over their head makes an enemy.",
        "zh-CN": "绕开{name}，从其他部门（{departments}）切入；同时让{name}知情，越过其头顶容易树敌。"},
    "tactic.alternative_find": {
        "en": "No other way to them is known yet: find who else they listen to, and keep {name} informed: "
              "going over their head makes an enemy.",
        "zh-CN": "目前还不知道其他接触途径：先弄清此人还听谁的意见；同时让{name}知情，越过其头顶容易树敌。"},
    "tactic.owner_leads": {
        "en": "{owner}, of matching rank, leads the relationship; {closest} opens the way.",
        "zh-CN": "由职级对等的{owner}主导这段关系，{closest}负责牵线。"},
    "tactic.speak_to": {
        "en": "Once won, ask them to carry our case to {name}.",
        "zh-CN": "争取过来后，请其向{name}传递我们的价值。"},

    # ------------------------------------------------------------------ a deal that is over
    "deal.closed.won": {
        "en": "This deal is won: nobody is left to win over for it. Its decision chain stays on record.",
        "zh-CN": "该商机已赢单：无需再争取任何人。其决策链仍保留备查。"},
    "deal.closed.lost": {
        "en": "This deal is lost: nobody is left to win over for it. Its decision chain stays on record.",
        "zh-CN": "该商机已输单：无需再争取任何人。其决策链仍保留备查。"},

    # ------------------------------------------------------------------ coverage gaps
    "gap.missing_role.message": {
        "en": "No {role} is known in the decision chain.",
        "zh-CN": "决策链中还没有明确的{role}。"},
    "gap.missing_role.action.decision_maker": {
        "en": "Find out who signs off: ask a supporter to walk you through the client's purchasing and "
              "decision process.",
        "zh-CN": "弄清谁拍板：请支持者讲清客户的采购与决策流程。"},
    "gap.missing_role.action.economic_buyer": {
        "en": "Find who owns the budget: map who approves an amount this size and who releases the money.",
        "zh-CN": "找到预算的主人：弄清这个金额由谁审批、谁放款。"},
    "gap.missing_role.action.coach": {
        "en": "Find a coach: someone inside who wants us to win and guides us through their process.",
        "zh-CN": "发展内线：找一位希望我们赢、愿意指点流程的客户内部人士。"},
    "gap.missing_role.action.coach_candidate": {
        "en": "Find a coach: someone inside who wants us to win and guides us through their process; "
              "{name} already supports us and is the first candidate.",
        "zh-CN": "发展内线：找一位希望我们赢、愿意指点流程的客户内部人士；{name}已支持我们，可作为首选。"},
    "gap.missing_role.action.other": {
        "en": "Find out who plays the {role} part in this decision.",
        "zh-CN": "弄清这次决策中谁担任{role}。"},
    # How a gap's action asks for an introduction: only someone on our side speaks for us, so a
    # go-between who is not ours yet is met and won first (as the plan's tactics say).
    "gap.introduce": {"en": "ask {via} to introduce us", "zh-CN": "请{via}引荐"},
    "gap.introduce_then_win": {
        "en": "ask {helper} to introduce us to {next}, and win {pending} over first",
        "zh-CN": "请{helper}引荐{next}，先争取{pending}的支持"},
    "gap.meet_then_win": {
        "en": "meet {next} first, and win {pending} over",
        "zh-CN": "先接触{next}，争取{pending}的支持"},
    "gap.uncovered_member.message": {
        "en": "Nobody on our team covers {name} ({title}).",
        "zh-CN": "我方无人覆盖{name}（{title}）。"},
    "gap.uncovered_member.action": {
        "en": "Give {name} an owner: {owner} is closest to them; {introduce}.",
        "zh-CN": "为{name}指定我方负责人：{owner}离其最近；{introduce}。"},
    "gap.uncovered_member.action_matched": {
        "en": "Give {name} an owner of matching rank: {owner}; {introduce}.",
        "zh-CN": "为{name}指定职级对等的我方负责人：{owner}；{introduce}。"},
    "gap.uncovered_member.action_matched_meet": {
        "en": "Give {name} an owner of matching rank: {owner}, who arranges a first meeting.",
        "zh-CN": "为{name}指定职级对等的我方负责人：{owner}，由其安排第一次会面。"},
    "gap.uncovered_member.action_via": {
        "en": "Give {name} an owner on our team and {introduce}.",
        "zh-CN": "为{name}指定我方负责人，并{introduce}。"},
    "gap.uncovered_member.action_owner": {
        "en": "Give {name} an owner: {owner} is closest to them and arranges a first meeting.",
        "zh-CN": "为{name}指定我方负责人：{owner}离其最近，由其安排第一次会面。"},
    "gap.uncovered_member.action_cold": {
        "en": "Give {name} an owner on our team and plan a first meeting.",
        "zh-CN": "为{name}指定我方负责人，安排第一次会面。"},
    "gap.single_threaded.message": {
        "en": "Supporters in the decision chain: {count}. The deal hangs on too few threads.",
        "zh-CN": "决策链中只有{count}位支持者：单线联系，风险太大。"},
    "gap.single_threaded.message_none": {
        "en": "No supporters in the decision chain yet: the deal hangs on no thread at all.",
        "zh-CN": "决策链中还没有任何支持者：我们在客户内部没有一条可靠的关系线，风险太大。"},
    "gap.single_threaded.message_few": {
        "en": "Supporters in the decision chain: {count}. The deal hangs on too few threads.",
        "zh-CN": "决策链中只有{count}位支持者：关系线太少，风险太大。"},
    "gap.single_threaded.action": {
        "en": "Widen the threads to 3–5 people across levels and departments; start with {names}.",
        "zh-CN": "把联系扩展到不同层级、不同部门的3–5人；先从{names}开始。"},
    "gap.single_threaded.action_generic": {
        "en": "Widen the threads to 3–5 people across levels and departments.",
        "zh-CN": "把联系扩展到不同层级、不同部门的3–5人。"},
    "gap.single_threaded.action_small": {
        "en": "Only {count} on the map: win {names} over, and find who else takes "
              "part in the decision, across levels and departments.",
        "zh-CN": "客户这边目前只掌握{count}个人：先争取{names}的支持，再找出参与决策的其他层级、部门的人。"},
    "gap.single_threaded.action_small_generic": {
        "en": "Only {count} on the map: find who else takes part in the decision, "
              "across levels and departments.",
        "zh-CN": "客户这边目前只掌握{count}个人：先找出参与决策的其他层级、部门的人。"},
    "gap.no_executive_counterpart.message": {
        "en": "No executive counterpart on our side for {names}.",
        "zh-CN": "{names}在我方没有对等的高层对口人。"},
    "gap.no_executive_counterpart.action": {
        "en": "Name {exec} as the counterpart of {name} and hold regular executive meetings "
              "(quarterly or half-yearly).",
        "zh-CN": "指定{exec}作为{name}的对口人，定期（每季度或每半年）举行高层会谈。"},
    "gap.no_executive_counterpart.action_sponsor": {
        "en": "Ask our management for an executive sponsor to mirror {name}, with regular executive "
              "meetings.",
        "zh-CN": "请公司指派高管挂帅，与{name}对口，定期举行高层会谈。"},
    "gap.leader_unaware.message": {
        "en": "{name} ({title}) does not know us — a leader who does not know us is a danger signal.",
        "zh-CN": "{name}（{title}）还不认识我们——客户领导不了解我们是危险信号。"},
    "gap.leader_unaware.action": {
        "en": "Arrange an executive-to-executive visit: {exec} meets {name}; {introduce}.",
        "zh-CN": "安排高层对高层拜访：{exec}拜访{name}；{introduce}。"},
    "gap.leader_unaware.action_direct": {
        "en": "Arrange an executive-to-executive visit: {exec} meets {name}.",
        "zh-CN": "安排高层对高层拜访：{exec}拜访{name}。"},
    "gap.leader_unaware.action_sponsor": {
        "en": "Ask our management for an executive sponsor to visit {name}: leaders meet leaders.",
        "zh-CN": "请公司高管挂帅拜访{name}：高层对高层。"},
    "gap.stale_relationship.message": {
        "en": "No contact with {name} for {days} days (last on {date}).",
        "zh-CN": "已有{days}天没有联系{name}（最近一次：{date}）。"},
    "gap.stale_relationship.action": {
        "en": "{owner} calls or visits {name} this month, bringing something of use to them.",
        "zh-CN": "{owner}本月内致电或拜访{name}，带去对其有用的东西。"},
    "gap.stale_relationship.action_owner": {
        "en": "Give {name} an owner on our team who calls or visits this month.",
        "zh-CN": "为{name}指定我方负责人，本月内致电或拜访。"},
    "gap.stale_relationship.action_matched": {
        "en": "Give {name} an owner of matching rank on our side, {owner}, who calls or visits this month.",
        "zh-CN": "为{name}指定职级对等的我方负责人{owner}，本月内致电或拜访。"},
    "gap.stale_relationship.action_closest": {
        "en": "{owner}, closest to {name} on our side, calls or visits this month and becomes the owner.",
        "zh-CN": "由我方离{name}最近的{owner}本月内致电或拜访，并作为负责人。"},
    "gap.unreached_opponent.message": {
        "en": "{name} ({stance}, influence {influence}/5) works against us and none of our supporters "
              "reaches them.",
        "zh-CN": "{name}（{stance}，影响力 {influence}/5）不支持我们，而我们的支持者都够不着。"},
    "gap.unreached_opponent.action": {
        "en": "Map whom {name} listens to, win one of them over to speak for us, and defuse what {name} "
              "stands to lose.",
        "zh-CN": "弄清{name}听谁的，争取其中一人替我们说话，并化解{name}的利益顾虑。"},
    "gap.uncovered_department.message": {
        "en": "We know nobody in the department “{department}”, which has a say in this deal ({names}).",
        "zh-CN": "我们在部门“{department}”没有任何关系，而该部门参与这次决策（{names}）。"},
    "gap.uncovered_department.action": {
        "en": "Build a department-to-department link into “{department}”: our matching function meets "
              "theirs, led by {owner}; {introduce}.",
        "zh-CN": "建立部门对部门的联系：由{owner}牵头，我方对应职能对接部门“{department}”，{introduce}。"},
    "gap.uncovered_department.action_owner": {
        "en": "Build a department-to-department link into “{department}”: our matching function meets "
              "theirs, led by {owner}.",
        "zh-CN": "建立部门对部门的联系：由{owner}牵头，我方对应职能对接部门“{department}”。"},
    "gap.uncovered_department.action_via": {
        "en": "Build a department-to-department link into “{department}”: our matching function meets "
              "theirs; {introduce}.",
        "zh-CN": "建立部门对部门的联系：我方对应职能对接部门“{department}”，{introduce}。"},
    "gap.uncovered_department.action_cold": {
        "en": "Build a department-to-department link into “{department}”: our matching function meets "
              "theirs.",
        "zh-CN": "建立部门对部门的联系：我方对应职能对接部门“{department}”。"},
    "gap.avoid": {
        "en": "Do not ask {name} for help ({why}).",
        "zh-CN": "不要请{name}帮忙（{why}）。"},
    "gap.supporter_left.message": {
        "en": "{name}, {stance} of ours, has left the client.",
        "zh-CN": "我们的{stance}{name}已离开客户单位。"},
    "gap.supporter_left.action": {
        "en": "Find who took over from {name} and win them early; stay in touch with {name} in their new "
              "organisation.",
        "zh-CN": "尽快找到接替{name}的人并争取过来；同时与{name}在新单位保持联系。"},

    # ------------------------------------------------------------------ paths
    "paths.only_through_unhelpful": {
        "en": "Every way from {source} to {target} runs through {names}, who would not help us: go through "
              "a peer of {target}, our own executive or another department instead.",
        "zh-CN": "从{source}到{target}的每条路径都要经过{names}，而这些人都不会帮我们：请改由{target}的平级同事、"
                 "我方高管或其他部门接触。"},
    "paths.only_through_unhelpful_one": {
        "en": "Every way from {source} to {target} runs through {names}, who would not help us: go through "
              "a peer of {target}, our own executive or another department instead.",
        "zh-CN": "从{source}到{target}的每条路径都要经过{names}，而此人不会帮我们：请改由{target}的平级同事、"
                 "我方高管或其他部门接触。"},
    "paths.avoided": {
        "en": "Not through {name} ({why}).", "zh-CN": "不经过{name}（{why}）。"},
    "paths.partial.max_hops": {
        "en": "Partial: paths of more than {max_hops} steps were not followed, and a stronger or another "
              "way may run through more people; ask again with a larger max_hops to see them.",
        "zh-CN": "结果不完整：超过{max_hops}步的路径未被搜索，更强或其他的路径可能经过更多的人；"
                 "可用更大的 max_hops 再查询。"},
    "paths.partial.max_explored": {
        "en": "Partial: the search stopped after {max_explored} partial paths; the paths listed are the "
              "strongest, in order, but more paths (or more people to leave out) may exist. Ask for fewer "
              "paths (k) or fewer steps (max_hops).",
        "zh-CN": "结果不完整：搜索在{max_explored}条部分路径后停止；所列路径按强弱排列无误，但可能还有更多路径"
                 "（或更多应避开的人）。请减少路径数（k）或步数（max_hops）。"},

    # ------------------------------------------------------------------ account class drivers
    "driver.influential": {"en": "Influential: others follow it (influence {value}).",
                           "zh-CN": "有影响力，同行愿意效仿（影响力 {value}）。"},
    "driver.satisfied": {"en": "Satisfied (satisfaction {value}/10).", "zh-CN": "满意度高（{value}/10）。"},
    "driver.cooperative": {"en": "Cooperative (cooperation {value}).", "zh-CN": "配合度高（{value}）。"},
    "driver.loyal": {"en": "Loyal (loyalty {value}).", "zh-CN": "忠诚度高（{value}）。"},
    "driver.untapped_wallet": {
        "en": "Large untapped wallet: about {amount} a year bought from others.",
        "zh-CN": "潜力大：每年{amount}的采购额还在别家。"},
    "driver.low_share": {"en": "We hold only {value}% of their wallet.", "zh-CN": "我们的份额只有{value}%。"},
    "driver.low_loyalty": {"en": "Low loyalty ({value}).", "zh-CN": "忠诚度低（{value}）。"},
    "driver.flat_growth": {"en": "Our business with them is flat ({value}% growth).",
                           "zh-CN": "业务增长停滞（增长 {value}%）。"},
    "driver.revenue_falling": {"en": "Our revenue with them is falling ({value}%).",
                               "zh-CN": "我们在该客户的收入在下滑（{value}%）。"},
    "driver.low_satisfaction": {"en": "Satisfaction is low ({value}/10).", "zh-CN": "满意度低（{value}/10）。"},
    "driver.champion_left": {"en": "Supporters of ours have left: {names}.",
                             "zh-CN": "我们的支持者已离职：{names}。"},
    "driver.competitor_ahead": {
        "en": "{competitor} has more support than we do in {opportunity}.",
        "zh-CN": "在{opportunity}中，{competitor}获得的支持多于我们。"},
    "driver.qualification": {
        "en": "Key-account qualification {score} over {count} criteria.",
        "zh-CN": "要客资格评分 {score}（基于{count}项标准）。"},
    "driver.not_qualified": {
        "en": "Does not qualify as a key account on its numbers ({score} over {count} criteria), held back "
              "by {held}.",
        "zh-CN": "按各项指标尚不够要客资格（{count}项标准评分 {score}），主要短板：{held}。"},
    "driver.qualification_unknown": {
        "en": "Too few of its numbers are known to judge it as a key account: {count} of {total} criteria "
              "(at least {needed} needed). Not known: {missing}.",
        "zh-CN": "已知指标太少，无法判断是否够要客资格：{total}项标准只知道{count}项（至少需要{needed}项）。"
                 "尚缺：{missing}。"},
    "driver.no_strong_signal": {"en": "No strong signal either way.", "zh-CN": "没有明显的正面或负面信号。"},

    # ------------------------------------------------------------------ playbooks
    "playbook.benchmark_keep": {
        "en": "Keep it: an executive sponsor, regular joint reviews and a satisfaction check up and down "
              "their organisation.",
        "zh-CN": "守住它：高管挂帅、定期联合复盘，并在客户上下各层了解满意度。"},
    "playbook.benchmark_case_study": {
        "en": "Make the story visible: a case study with before/after figures and a testimonial.",
        "zh-CN": "把故事讲出去：整理成功案例和前后对比数据，请客户出具推荐。"},
    "playbook.benchmark_site_visits": {
        "en": "Host site visits for prospects and show the story on video at dealer and industry "
              "conferences.",
        "zh-CN": "组织潜在客户现场参观，在经销商大会和行业会议上播放案例视频。"},
    "playbook.benchmark_levels": {
        "en": "Use it to grow further benchmarks at national, provincial and local level.",
        "zh-CN": "以此为样板，在全国、省、市各级发展更多标杆。"},
    "playbook.nail_value_check": {
        "en": "First check the value is worth the effort (untapped wallet, margin, payment); drop a "
              "low-value nail.",
        "zh-CN": "先做价值评估（潜在份额、毛利、回款），值不值得攻；价值低的钉子客户果断放弃。"},
    "playbook.nail_find_cause": {
        "en": "Find the cause of the stalemate: distrust of us, a rival's better offer or policy, or "
              "internal conflict at the client.",
        "zh-CN": "找到僵局的原因：对我们不信任、对手的条件或政策更好，还是客户内部矛盾。"},
    "playbook.nail_assault": {
        "en": "Attack with combined resources: the rep, then the manager, then the regional head visit; "
              "bring our executives to the nail, not to the showcase.",
        "zh-CN": "集中资源攻坚：销售代表、经理、区域负责人逐级拜访；把高管带到钉子客户，而不是标杆客户。"},
    "playbook.nail_entrenched": {
        "en": "Name the entrenched interests and defuse them: earn trust, have an ally speak for us, go "
              "through other departments.",
        "zh-CN": "弄清根深蒂固的利益并逐一化解：赢得信任、请盟友说话、从其他部门突破。"},
    "playbook.danger_watch": {
        "en": "Visit more often and dig for the cause of dissatisfaction, up and down their organisation.",
        "zh-CN": "增加拜访频率，在客户上下各层深挖不满的原因。"},
    "playbook.danger_relationship": {
        "en": "Relationship defence: deepen ties with key people, executive co-visits, "
              "department-to-department links; replace a rep the client rejects.",
        "zh-CN": "关系防守：加深与关键人的关系，高层陪同拜访，建立部门对部门的联系；客户不认可的销售要及时更换。"},
    "playbook.danger_commercial": {
        "en": "Commercial defence: adjust price, payment terms, service and technical support to shut "
              "out the rival.",
        "zh-CN": "商务防守：调整价格、付款条件、服务和技术支持，把对手挡在门外。"},
    "playbook.danger_risk": {
        "en": "Risk defence: answer the client's worries in writing, with guarantees.",
        "zh-CN": "风险防守：书面回应客户的顾虑，并给出保证。"},
    "playbook.danger_rebuild": {
        "en": "Rebuild the lost threads: win whoever took over from {names}.",
        "zh-CN": "重建断掉的关系：争取接替{names}的人。"},
    "playbook.standard_plan": {
        "en": "Keep an annual account plan: goals, the relationship map, the virtual team and activities "
              "with an owner and a date.",
        "zh-CN": "制定年度客户计划：目标、关系地图、虚拟团队，以及有负责人和日期的行动。"},
    "playbook.standard_threads": {
        "en": "Widen the threads across levels and departments: 3–5 people who support us.",
        "zh-CN": "在不同层级和部门扩展关系：至少3–5位支持者。"},
    "playbook.standard_satisfaction": {
        "en": "Measure satisfaction up and down their organisation, not one survey of one person.",
        "zh-CN": "在客户上下各层了解满意度，而不是只问一个人。"},
    "playbook.leaders_unaware": {
        "en": "Reach the leaders who do not know us yet ({names}) with executive-to-executive visits.",
        "zh-CN": "通过高层对高层拜访，接触还不认识我们的领导（{names}）。"},
    "playbook.not_qualified": {
        "en": "On its numbers it is not a key account yet (held back by {held}): serve it efficiently and "
              "check again next year.",
        "zh-CN": "按指标暂不属于要客（短板：{held}）：高效服务，明年再评估。"},
    "playbook.gather_numbers": {
        "en": "Gather the numbers not known yet ({missing}) before deciding whether it is a key account.",
        "zh-CN": "先补齐尚缺的指标（{missing}），再判断是否属于要客。"},
}


class _Keep(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def norm_lang(lang: str | None) -> str:
    """``zh-CN`` (any case) for Chinese; anything else is English.

    >>> norm_lang("zh-cn"), norm_lang("de"), norm_lang(None)
    ('zh-CN', 'en', 'en')
    """
    return "zh-CN" if isinstance(lang, str) and lang.strip().lower() == "zh-cn" else "en"


def say(table: Mapping[str, Mapping[str, str]], code: str, lang: str | None = "en", **kw: Any) -> str:
    """The text for ``code`` of a bilingual ``table`` in ``lang`` (English when it has none) with its
    placeholders filled (unknown placeholders stay). Every table of texts is read through here.

    >>> say({"hi": {"en": "hi {name}", "zh-CN": "你好{name}"}}, "hi", "zh-cn", name="周海")
    '你好周海'
    """
    entry = table[code]
    template = entry.get(norm_lang(lang)) or entry["en"]
    return template.format_map(_Keep(kw))


def text(code: str, lang: str | None = "en", **kw: Any) -> str:
    """The text for ``code`` in ``lang`` with its placeholders filled (unknown placeholders stay)."""
    return say(TEXTS, code, lang, **kw)


def label(kind: str, value: Any, lang: str | None = "en") -> str:
    """A localised label (role, stance, interest, class, line); unknown values are shown as they are.

    >>> label("role", "economic_buyer", "zh-CN"), label("role", "astrologer", "en")
    ('预算决策者', 'astrologer')
    """
    code = f"label.{kind}.{value}"
    return text(code, lang) if code in TEXTS else str(value)


_CURRENCY_ZH = {"CNY": "元", "RMB": "元", "USD": "美元", "EUR": "欧元", "JPY": "日元", "HKD": "港元",
                "GBP": "英镑", "TWD": "新台币", "KRW": "韩元", "SGD": "新加坡元"}


def _short(value: float) -> str:
    """One decimal, none when it is zero: 25.8 → '25.8', 3.0 → '3'."""
    text = f"{value:,.1f}"
    return text.removesuffix(".0")


def money(amount: float, currency: str | None, lang: str | None = "en") -> str:
    """An amount as a manager reads it: "CNY 25.8 million" in English, "约2,580万元" in Chinese.

    >>> money(25_800_000, "CNY", "en"), money(25_800_000, "CNY", "zh-CN")
    ('CNY 25.8 million', '约2,580万元')
    >>> money(1.2e9, "USD", "en"), money(1.2e9, "USD", "zh-CN"), money(8_500, "EUR", "zh-CN")
    ('USD 1.2 billion', '约12亿美元', '8,500欧元')
    >>> money(640_000, "CNY", "en")
    'CNY 640,000'
    """
    code = (currency or "CNY").upper()
    size = abs(amount)
    if norm_lang(lang) == "zh-CN":
        unit = _CURRENCY_ZH.get(code, code)
        if size >= 1e8:
            return f"约{_short(amount / 1e8)}亿{unit}"
        if size >= 1e4:
            return f"约{amount / 1e4:,.0f}万{unit}"
        return f"{amount:,.0f}{unit}"
    if size >= 1e9:
        return f"{code} {_short(amount / 1e9)} billion"
    if size >= 1e6:
        return f"{code} {_short(amount / 1e6)} million"
    return f"{code} {amount:,.0f}"


def a_an(word: str, lang: str | None = "en") -> str:
    """A label with its indefinite article in English ("an opponent", "a skeptic"); as it is in Chinese.

    >>> a_an("opponent"), a_an("skeptic"), a_an("反对者", "zh-CN")
    ('an opponent', 'a skeptic', '反对者')
    """
    if norm_lang(lang) == "zh-CN":
        return word
    return ("an " if word[:1].lower() in "aeiou" and word else "a ") + word


def percent(share: float) -> str:
    """A share in [0, 1] as a whole percentage.

    >>> percent(0.724), percent(1.0)
    ('72%', '100%')
    """
    return f"{share:.0%}"


def join(items: list[str], lang: str | None = "en") -> str:
    """A list of names for a sentence.

    >>> join(["A", "B"], "en"), join(["甲", "乙"], "zh-CN"), join([], "en")
    ('A, B', '甲、乙', 'nobody yet')
    """
    if not items:
        return text("label.nobody", lang)
    return text("label.list_separator", lang).join(items)


def item(code: str, lang: str | None, prefix: str, **kw: Any) -> dict[str, str]:
    """A ``{"code", "text"}`` pair; the code returned is the text code without its prefix."""
    return {"code": code, "text": text(f"{prefix}.{code}", lang, **kw)}
