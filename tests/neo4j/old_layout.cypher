// A small map as the first layout wrote it: every record's fields in one JSON string property
// (`data`), timestamps as strings, audit entries numbered by the client's clock. Literal values only:
// test data for the V0005 data migration (tests/neo4j/test_native_graph.py).
CREATE (a:Entity:Account {id: 'old-acct', kind: 'account', name: '旧客户', owner_id: null,
        data: '{"name": "旧客户", "industry": "furniture", "metrics": {"annual_revenue": 4200000.0, "payment_days": 90}}',
        created_at: '2026-01-05T08:00:00.000000Z', updated_at: '2026-01-05T08:00:00.000000Z', version: 1})
CREATE (gm:Entity:Contact {id: 'old-gm', kind: 'contact', name: '陈总', owner_id: 'old-acct',
        data: '{"account_id": "old-acct", "name": "陈总", "title": "总经理", "level": "executive", "status": "active", "knows_us": true, "notes": "喜欢打高尔夫", "closeness": {"relationship": 0.3, "solution": 0.5}, "last_contact_at": "2026-06-02"}',
        created_at: '2026-01-05T08:00:01.000000Z', updated_at: '2026-02-01T09:30:00.500000Z', version: 2})
CREATE (vp:Entity:Contact {id: 'old-vp', kind: 'contact', name: '郑副总', owner_id: 'old-acct',
        data: '{"account_id": "old-acct", "name": "郑副总", "level": "vp", "status": "left", "left_at": "2026-03-31", "knows_us": false}',
        created_at: '2026-01-05T08:00:02.000000Z', updated_at: '2026-04-01T10:00:00.000000Z', version: 3})
CREATE (o:Entity:Opportunity {id: 'old-opp', kind: 'opportunity', name: '升级', owner_id: 'old-acct',
        competitor_ids: ['old-k'],
        data: '{"account_id": "old-acct", "name": "升级", "stage": "proposal", "amount": 6000000.0, "currency": "CNY", "close_date": "2027-06-30", "criteria": {"technical": 0.5, "price": 0.3, "service": 0.2}, "competitor_ids": ["old-k"]}',
        created_at: '2026-01-05T08:00:03.000000Z', updated_at: '2026-01-05T08:00:03.000000Z', version: 1})
CREATE (k:Entity:Competitor {id: 'old-k', kind: 'competitor', name: '对手', owner_id: null,
        data: '{"name": "对手"}',
        created_at: '2026-01-05T08:00:04.000000Z', updated_at: '2026-01-05T08:00:04.000000Z', version: 1})
CREATE (t:Entity:TeamMember {id: 'old-us', kind: 'team_member', name: '王磊', owner_id: null,
        data: '{"name": "王磊", "level": "manager", "role": "sales"}',
        created_at: '2026-01-05T08:00:05.000000Z', updated_at: '2026-01-05T08:00:05.000000Z', version: 1})
CREATE (gm)-[:BELONGS_TO]->(a), (vp)-[:BELONGS_TO]->(a), (o)-[:BELONGS_TO]->(a)
CREATE (vp)-[:INFLUENCES {id: 'INFLUENCES:old-vp:old-gm', account_id: 'old-acct',
        data: '{"strength": 0.6, "note": "老部下"}',
        created_at: '2026-01-05T08:00:06.000000Z', updated_at: '2026-01-05T08:00:06.000000Z', version: 1}]->(gm)
CREATE (gm)-[:MEMBER_OF {id: 'MEMBER_OF:old-opp:old-gm', account_id: 'old-acct',
        data: '{"role": "decision_maker", "stance": "neutral", "influence": 5, "closeness": {"relationship": 0.4}}',
        created_at: '2026-01-05T08:00:07.000000Z', updated_at: '2026-01-05T08:00:07.000000Z', version: 1}]->(o)
CREATE (t)-[:COVERS {id: 'COVERS:old-us:old-gm', account_id: 'old-acct',
        data: '{"closeness": 0.2, "last_contact_at": "2026-06-02"}',
        created_at: '2026-01-05T08:00:08.000000Z', updated_at: '2026-01-05T08:00:08.000000Z', version: 1}]->(gm)
CREATE (:AuditEntry {seq: '00001767600000000000-aaaaaaaa', at: '2026-01-05T08:00:00.000000Z', actor: 'key_1',
        action: 'import', entity_type: 'account', entity_id: 'old-acct', before: null, after: '{"id": "old-acct"}'})
CREATE (:AuditEntry {seq: '00001767600000000001-bbbbbbbb', at: '2026-01-05T08:00:01.000000Z', actor: 'key_1',
        action: 'import', entity_type: 'contact', entity_id: 'old-gm', before: null, after: '{"id": "old-gm"}'})
CREATE (:AuditEntry {seq: '00001770000000000000-cccccccc', at: '2026-02-01T09:30:00.500000Z', actor: 'key_1',
        action: 'update', entity_type: 'contact', entity_id: 'old-gm', before: '{"id": "old-gm"}', after: '{"id": "old-gm", "version": 2}'})
CREATE (:ApiKey {id: 'key_1', role: 'admin', name: 'old', key_hash: 'old-hash', created_at: '2026-01-01T00:00:00.000000Z'})
