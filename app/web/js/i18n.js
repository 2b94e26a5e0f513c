// The app's words in English and Simplified Chinese; the language defaults from the browser.

const STORAGE = 'guanxi.lang';

const TEXT = {
  en: {
    app_title: 'Guanxi relationship maps',
    main_nav: 'Main', breadcrumb: 'Breadcrumb', error_page: 'Error',
    skip_map: 'Skip the people on the map: go to the side panel',
    unsaved: 'Not saved yet', card_stance: 'stance {stance}', card_unaware: 'does not know us',
    language: 'Language',
    sign_in: 'Sign in',
    sign_out: 'Sign out',
    sign_in_intro: 'Sign in with your Guanxi API key. It is kept for this browser tab only.',
    api_key: 'API key',
    bad_key: 'This key is unknown or revoked.',
    signed_in_as: 'Signed in: {role}',
    role_viewer: 'viewer (read only)', role_editor: 'editor', role_admin: 'admin',
    accounts: 'Accounts',
    search_accounts: 'Search accounts',
    search_placeholder: 'Name, industry, region, id or deal',
    no_accounts: 'No account matches.',
    order_by: 'Order by', order_name: 'Name', order_risk: 'Risk (high gaps, low support first)',
    open_deals_of: 'Open deals of {name}', no_open_deals: 'No open deals.', subsidiaries_of: 'Subsidiaries of {name}',
    leading_competitor: 'Leading competitor {name}', gaps_colon: 'Gaps: ', gap_count: '{n} {severity}',
    loading: 'Loading…',
    error: 'Something went wrong: {detail}',
    stale: 'Someone changed this meanwhile. The latest version is shown now: please make your change again.',
    saved: 'Saved.',
    forbidden: 'Your key may not do this.',
    key_expired: 'Your key is no longer valid (it may have been revoked): please sign in again.',
    unreachable: 'The service cannot be reached. Please try again in a moment.',
    unreachable_write: 'The service cannot be reached: your change was not saved. Please try again in a moment.',
    not_found: 'Not found: it may have been removed.',
    gone: 'Someone removed this meanwhile. The latest version is shown now.',
    already_exists: 'This exists already. The latest version is shown now.',
    conflict: 'This clashes with what is stored now. The latest version is shown now.',
    too_large: 'Too much at once: the service refused it.',
    busy: 'The service is busy. Please try again in a moment.',
    storage_full: 'The service has no room to store this now: nothing was saved.',
    server_error: 'The service failed on this. Please try again, or tell your administrator.',
    refused: 'The service refused this (error {status}).',
    invalid_input: 'The service refused the values entered: nothing was saved.',
    field_required: 'Enter a value for “{field}”.',
    field_range: '“{field}” must be a number from {min} to {max}.',
    field_min: '“{field}” must be at least {min}.',
    field_above: '“{field}” must be more than {min}.',
    field_max: '“{field}” must be at most {max}.',
    field_date: 'Enter a valid date for “{field}”.',
    field_number: '“{field}” must be a number.',
    field_invalid: '“{field}” is not valid.',
    field_in: '{field} ({group})',
    line_self: 'A line cannot join a person to themself.',
    pick_other: 'Pick someone else on the map (Esc cancels).',
    path_colon: 'Path: ', count: ' ({n})',
    money_big: '{currency} {n} billion', money_mid: '{currency} {n} million', money_plain: '{currency} {n}',
    currency_CNY: 'CNY', currency_RMB: 'RMB', currency_USD: 'USD', currency_EUR: 'EUR', currency_JPY: 'JPY',
    currency_HKD: 'HKD', currency_GBP: 'GBP', currency_TWD: 'TWD', currency_KRW: 'KRW', currency_SGD: 'SGD',
    account_class: 'Account class',
    // (enum labels — class_, legend_, rel_, stance_, role_ of a buying role, kind_, severity_ — are the server's
    // words: scoring/texts.py, rendering/labels.py; tests/web/test_app_files.py checks they stay so)
    class_benchmark: 'benchmark', class_nail: 'nail', class_danger: 'danger', class_standard: 'standard',
    drivers: 'Why', playbook: 'Playbook',
    opportunities: 'Opportunities', no_opportunities: 'No opportunities yet.',
    map: 'Relationship map', map_label: 'Relationship map of {name}. Use the people buttons to select a person.',
    focus: 'Show', focus_all: 'Everyone', focus_chain: 'Decision chain', focus_department: 'Department',
    focus_around: 'Around the selected person', depth: 'Depth',
    focus_key_people: 'Key people', find_person: 'Find a person', find_nobody: 'Nobody here matches “{text}”.',
    map_left_out: 'Showing {shown} of {total} people: {view}. To see others, choose a department, or find a person and show the people around them.',
    zoom_in: 'Zoom in', zoom_out: 'Zoom out', fit: 'Fit to screen',
    pick_person_first: 'Select a person on the map first.',
    legend: 'Legend', legend_reports: 'reports to', legend_influences: 'influences (thicker = stronger)',
    legend_promoted: 'promoted (patron → protégé)', legend_ally: 'allies', legend_rival: 'rivals',
    legend_covers: 'we cover (thicker = closer)', legend_path: 'path to take',
    legend_unaware: 'dashed card: does not know us', legend_left: 'struck through: has left', line_type: 'Type',
    our_team: 'Our team',
    exports: 'Export', export_format: 'Format', download: 'Download', redact: 'Leave personal notes and interests out',
    export_bundle: 'bundle (JSON)',
    back_to_account: 'Back to {name}',
    stage: 'Stage', status: 'Status', status_open: 'open', status_won: 'won', status_lost: 'lost',
    criterion_technical: 'technical', criterion_price: 'price', criterion_service: 'service',
    amount: 'Amount', close_date: 'Close date', criteria: 'Client weights',
    decision_chain: 'Decision chain', name: 'Name', title: 'Title', role: 'Role', stance: 'Stance',
    influence: 'Influence', weight: 'Weight', closeness: 'Closeness', covered_by: 'Covered by', nobody: 'nobody',
    support: 'Support', support_us: 'Us', missing_roles: 'Missing roles: {roles}',
    gaps: 'Coverage gaps', no_gaps: 'No gaps.', gap_people: 'Show these people on the map',
    next: 'Who to win next', plan_intro: 'A plan: each move assumes the earlier ones were won.',
    no_recommendations: 'Nobody left to win over.', move: 'Move {n}', score: 'score', gain: 'gain', reach: 'reach',
    risk: 'risk', path: 'Path', reasons: 'Why', tactics: 'How', show_path: 'Draw this path on the map',
    person: 'Person', close: 'Close', department: 'Department', level: 'Level', manager: 'Manager',
    none: '—', knows_us: 'Knows us', yes: 'yes', no: 'no', active: 'active', left: 'left', left_on: 'left on {date}',
    influence_in: 'Influenced by', influence_out: 'Influences', per_opportunity: 'In opportunities',
    coverage: 'Our coverage', days_ago: '{n} days ago', today: 'today', never: 'never', interests: 'Entrenched interests',
    favors: 'Favours {name} ({strength})', notes: 'Notes', no_notes: 'No notes.', threat: 'threat',
    informal_power: 'Informal power', rank: 'rank {informal} informally, {formal} formally',
    edit: 'Edit', save: 'Save', cancel: 'Cancel', relationship: 'Relationship', solution: 'Solution', price: 'Price',
    composite: 'Composite',
    closeness_edit: 'Closeness (0–1)', mark_left: 'Mark as left', left_date: 'Left on', rejoin: 'Mark as active',
    duplicate: 'Duplicate record', merge_intro: 'The same person recorded twice: merge this record into the one to keep (its lines and roles move there; the kept record\'s fields stand).',
    merge_into: 'Keep', merge: 'Merge into it', choose: 'choose…', merge_choose: 'Choose the record to keep first.',
    merged: '{name} merged into the record kept.',
    add_line: 'Add an influence line from this person', pick_target: 'Pick on the map the person {name} influences (Esc cancels).',
    strength: 'Strength', remove: 'Remove', remove_line: 'Remove the line {from} → {to}', line_added: 'Influence line added.',
    reviews: 'Since the last review', no_reviews: 'No review recorded yet.', review_deck: 'Review deck',
    changes_since: 'Changes since {title} ({date})', no_changes: 'No change since then.',
    rel_REPORTS_TO: 'reports to', rel_INFLUENCES: 'influences', rel_PROMOTED_BY: 'promoted', rel_ALLY: 'ally',
    rel_RIVAL: 'rival', rel_COVERS: 'covers', rel_MIRRORS: 'counterpart',
    stance_champion: 'champion', stance_supporter: 'supporter', stance_neutral: 'neutral', stance_skeptic: 'skeptic',
    stance_opponent: 'opponent', stance_unknown: 'unknown',
    role_decision_maker: 'decision maker', role_economic_buyer: 'economic buyer',
    role_technical_evaluator: 'technical evaluator', role_business_user: 'business user', role_procurement: 'procurement',
    role_influencer: 'influencer', role_coach: 'coach', role_gatekeeper: 'gatekeeper',
    level_executive: 'executive', level_vp: 'VP', level_director: 'director', level_manager: 'manager', level_staff: 'staff',
    kind_kickback: 'kickback from the incumbent', kind_incumbent_loyalty: 'loyalty to the incumbent',
    kind_job_threat: 'their role is threatened', kind_influence_loss: 'loss of influence',
    kind_budget_ownership: 'budget ownership', kind_personal: 'personal interest', kind_other: 'another interest',
    gap_missing_role: 'Missing buying role', gap_uncovered_member: 'Nobody covers them',
    gap_single_threaded: 'Single-threaded', gap_no_executive_counterpart: 'No executive counterpart',
    gap_leader_unaware: 'Leader does not know us', gap_stale_relationship: 'Stale relationship',
    gap_unreached_opponent: 'Skeptic or opponent no supporter reaches', gap_uncovered_department: 'Department we have no one in',
    gap_supporter_left: 'Supporter has left',
    severity_high: 'high', severity_medium: 'medium', severity_low: 'low',
  },
  'zh-CN': {
    app_title: 'Guanxi 客户关系地图',
    main_nav: '主导航', breadcrumb: '当前位置', error_page: '错误',
    skip_map: '跳过地图上的人员，转到侧栏',
    unsaved: '尚未保存', card_stance: '态度：{stance}', card_unaware: '不认识我方',
    language: '语言',
    sign_in: '登录',
    sign_out: '退出',
    sign_in_intro: '请用 Guanxi API 密钥登录。密钥只保存在当前浏览器标签页中。',
    api_key: 'API 密钥',
    bad_key: '密钥无效或已被吊销。',
    signed_in_as: '已登录：{role}',
    role_viewer: '只读', role_editor: '编辑', role_admin: '管理员',
    accounts: '客户',
    search_accounts: '搜索客户',
    search_placeholder: '名称、行业、区域、编号或商机',
    no_accounts: '没有符合条件的客户。',
    order_by: '排序', order_name: '按名称', order_risk: '按风险（高风险缺口多、支持度低在前）',
    open_deals_of: '{name}的进行中商机', no_open_deals: '暂无进行中的商机。', subsidiaries_of: '{name}的下属公司',
    leading_competitor: '领先竞争对手 {name}', gaps_colon: '缺口：', gap_count: '{severity} {n}',
    loading: '加载中…',
    error: '出错了：{detail}',
    stale: '该记录已被他人修改。已显示最新版本，请重新修改。',
    saved: '已保存。',
    forbidden: '您的密钥没有此权限。',
    key_expired: '您的密钥已失效（可能已被吊销），请重新登录。',
    unreachable: '无法连接服务，请稍后再试。',
    unreachable_write: '无法连接服务：您的修改未保存，请稍后再试。',
    not_found: '未找到：可能已被删除。',
    gone: '该记录已被他人删除。已显示最新版本。',
    already_exists: '该记录已经存在。已显示最新版本。',
    conflict: '与当前存储的内容冲突。已显示最新版本。',
    too_large: '一次提交的内容过多，服务拒绝处理。',
    busy: '服务繁忙，请稍后再试。',
    storage_full: '服务暂时没有存储空间：未保存任何修改。',
    server_error: '服务处理出错，请重试或联系管理员。',
    refused: '服务拒绝了此操作（错误 {status}）。',
    invalid_input: '服务拒绝了输入的内容：未保存任何修改。',
    field_required: '请填写“{field}”。',
    field_range: '“{field}”须为 {min} 到 {max} 之间的数。',
    field_min: '“{field}”不能小于 {min}。',
    field_above: '“{field}”须大于 {min}。',
    field_max: '“{field}”不能大于 {max}。',
    field_date: '请为“{field}”填写有效的日期。',
    field_number: '“{field}”须为数字。',
    field_invalid: '“{field}”的值无效。',
    field_in: '{field}（{group}）',
    line_self: '关系不能把一个人连到其本人。',
    pick_other: '请在地图上选择另一个人（按 Esc 取消）。',
    path_colon: '路径：', count: '（{n}）',
    money_big: '约{n}亿{currency}', money_mid: '约{n}万{currency}', money_plain: '{n}{currency}',
    currency_CNY: '元', currency_RMB: '元', currency_USD: '美元', currency_EUR: '欧元', currency_JPY: '日元',
    currency_HKD: '港元', currency_GBP: '英镑', currency_TWD: '新台币', currency_KRW: '韩元', currency_SGD: '新加坡元',
    account_class: '客户分类',
    class_benchmark: '标杆客户', class_nail: '钉子客户', class_danger: '危险客户', class_standard: '普通客户',
    drivers: '原因', playbook: '行动方案',
    opportunities: '商机', no_opportunities: '暂无商机。',
    map: '关系地图', map_label: '{name}的关系地图。可用人员按钮选择某人。',
    focus: '显示', focus_all: '全部人员', focus_chain: '决策链', focus_department: '部门',
    focus_around: '所选人员周边', depth: '层数',
    focus_key_people: '关键人员', find_person: '查找人员', find_nobody: '没有与“{text}”相符的人。',
    map_left_out: '显示 {total} 人中的 {shown} 人：{view}。要看其他人，请选择部门，或查找某人并显示其周边人员。',
    zoom_in: '放大', zoom_out: '缩小', fit: '适应屏幕',
    pick_person_first: '请先在地图上选择一个人。',
    legend: '图例', legend_reports: '汇报关系', legend_influences: '影响（越粗越强）', legend_promoted: '提拔（恩主→门生）',
    legend_ally: '盟友', legend_rival: '对立', legend_covers: '我方覆盖（越粗越紧密）', legend_path: '推荐路径',
    legend_unaware: '虚线卡片：不认识我方', legend_left: '划线：已离职', line_type: '类型',
    our_team: '我方团队',
    exports: '导出', export_format: '格式', download: '下载', redact: '不含个人备注与利益信息',
    export_bundle: '数据包（JSON）',
    back_to_account: '返回{name}',
    stage: '阶段', status: '状态', status_open: '进行中', status_won: '赢单', status_lost: '输单',
    criterion_technical: '技术', criterion_price: '价格', criterion_service: '服务',
    amount: '金额', close_date: '预计成交', criteria: '客户评分权重',
    decision_chain: '决策链', name: '姓名', title: '职务', role: '角色', stance: '态度',
    influence: '影响力', weight: '权重', closeness: '紧密度', covered_by: '我方覆盖', nobody: '无人',
    support: '支持度', support_us: '我方', missing_roles: '缺少角色：{roles}',
    gaps: '覆盖缺口', no_gaps: '没有缺口。', gap_people: '在地图上标出这些人',
    next: '下一步争取谁', plan_intro: '行动计划：每一步都假设前面的人已被争取。',
    no_recommendations: '没有需要争取的人了。', move: '第 {n} 步', score: '得分', gain: '增益', reach: '可达',
    risk: '风险', path: '路径', reasons: '理由', tactics: '做法', show_path: '在地图上画出此路径',
    person: '人员', close: '关闭', department: '部门', level: '级别', manager: '上级',
    none: '—', knows_us: '认识我方', yes: '是', no: '否', active: '在职', left: '已离职', left_on: '{date} 离职',
    influence_in: '受谁影响', influence_out: '影响谁', per_opportunity: '所在商机',
    coverage: '我方覆盖', days_ago: '{n} 天前', today: '今天', never: '从未', interests: '既得利益',
    favors: '倾向 {name}（{strength}）', notes: '备注', no_notes: '暂无备注。', threat: '威胁',
    informal_power: '非正式影响力', rank: '非正式排名 {informal}，正式排名 {formal}',
    edit: '编辑', save: '保存', cancel: '取消', relationship: '关系', solution: '方案', price: '价格',
    composite: '综合',
    closeness_edit: '紧密度（0–1）', mark_left: '标记为离职', left_date: '离职日期', rejoin: '标记为在职',
    duplicate: '重复记录', merge_intro: '同一个人录入了两次：把这条记录合并到要保留的那条（关系和角色随之移过去，保留记录的信息为准）。',
    merge_into: '保留', merge: '合并过去', choose: '请选择…', merge_choose: '请先选择要保留的记录。',
    merged: '已将{name}合并到保留的记录。',
    add_line: '从此人添加一条影响关系', pick_target: '请在地图上选择{name}影响的人（按 Esc 取消）。',
    strength: '强度', remove: '删除', remove_line: '删除关系 {from} → {to}', line_added: '已添加影响关系。',
    reviews: '自上次复盘以来', no_reviews: '尚无复盘记录。', review_deck: '复盘材料',
    changes_since: '自 {title}（{date}）以来的变化', no_changes: '此后没有变化。',
    rel_REPORTS_TO: '汇报关系', rel_INFLUENCES: '影响', rel_PROMOTED_BY: '提拔', rel_ALLY: '盟友',
    rel_RIVAL: '对立', rel_COVERS: '覆盖', rel_MIRRORS: '高层对等',
    stance_champion: '坚定支持者', stance_supporter: '支持者', stance_neutral: '中立', stance_skeptic: '怀疑者',
    stance_opponent: '反对者', stance_unknown: '态度不明',
    role_decision_maker: '决策者', role_economic_buyer: '预算决策者',
    role_technical_evaluator: '技术评估者', role_business_user: '业务使用者', role_procurement: '采购',
    role_influencer: '影响者', role_coach: '内线（教练）', role_gatekeeper: '把关者',
    level_executive: '高层', level_vp: '副总', level_director: '总监', level_manager: '经理', level_staff: '员工',
    kind_kickback: '现供应商的回扣', kind_incumbent_loyalty: '与现供应商关系密切', kind_job_threat: '岗位或作用受到威胁',
    kind_influence_loss: '影响力被削弱', kind_budget_ownership: '预算归属之争', kind_personal: '个人利益',
    kind_other: '其他利益',
    gap_missing_role: '缺少关键角色', gap_uncovered_member: '无人覆盖',
    gap_single_threaded: '单线联系', gap_no_executive_counterpart: '缺少高层对等',
    gap_leader_unaware: '领导不认识我方', gap_stale_relationship: '关系久未维护',
    gap_unreached_opponent: '支持者影响不到的怀疑者或反对者', gap_uncovered_department: '我方没有关系的部门',
    gap_supporter_left: '支持者已离职',
    severity_high: '高', severity_medium: '中', severity_low: '低',
  },
};

export const LANGUAGES = [['en', 'English'], ['zh-CN', '中文']];

function fromBrowser() {
  for (const tag of navigator.languages || [navigator.language || 'en']) {
    const primary = tag.toLowerCase().split('-')[0];
    if (primary === 'zh') return 'zh-CN';
    if (primary === 'en') return 'en';
  }
  return 'en';
}

let current = TEXT[localStorage.getItem(STORAGE)] ? localStorage.getItem(STORAGE) : fromBrowser();

export function lang() { return current; }

export function setLang(value) {
  current = TEXT[value] ? value : 'en';
  localStorage.setItem(STORAGE, current);
  document.documentElement.lang = current;
}

/** The text for `key` in the current language, with `{name}` placeholders filled from `vars`. */
export function t(key, vars = {}) {
  const text = TEXT[current][key] ?? TEXT.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

/** Items as a list in the current language: 'a, b' in English, 'a、b' in Chinese. */
export function list(items) { return items.join(current === 'zh-CN' ? '、' : ', '); }

/** The label of an API enum value (`stance`, `role`, `level`, `kind`, `class`, `gap`, `rel`...). */
export function label(prefix, value) {
  if (value === null || value === undefined || value === '') return t('none');
  const key = `${prefix}_${value}`;
  return TEXT[current][key] ?? TEXT.en[key] ?? String(value).replace(/_/g, ' ');
}

/**
 * An amount as the service's texts say it (scoring/texts.py `money`): "CNY 6 million", "CNY 640,000" in
 * English; "约600万元", "约12亿美元", "8,500元" in Chinese.
 */
export function money(amount, currency) {
  const value = Number(amount);
  if (!Number.isFinite(value)) return t('none');
  const code = String(currency || 'CNY').toUpperCase();
  const unit = TEXT[current][`currency_${code}`] ?? code;
  const whole = (n) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
  const short = (n) => n.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 }).replace(/\.0$/, '');
  const size = Math.abs(value);
  if (current === 'zh-CN') {
    if (size >= 1e8) return t('money_big', { n: short(value / 1e8), currency: unit });
    if (size >= 1e4) return t('money_mid', { n: whole(value / 1e4), currency: unit });
    return t('money_plain', { n: whole(value), currency: unit });
  }
  if (size >= 1e9) return t('money_big', { n: short(value / 1e9), currency: unit });
  if (size >= 1e6) return t('money_mid', { n: short(value / 1e6), currency: unit });
  return t('money_plain', { n: whole(value), currency: unit });
}

export const STANCES = ['champion', 'supporter', 'neutral', 'skeptic', 'opponent', 'unknown'];
export const ROLES = ['decision_maker', 'economic_buyer', 'technical_evaluator', 'business_user', 'procurement',
  'influencer', 'coach', 'gatekeeper'];

document.documentElement.lang = current;
