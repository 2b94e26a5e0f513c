"""Projection of one account's stored map into the NetworkX graph that scoring works on.

Graph attributes: ``account_id`` and ``account`` (the account's stored fields).
Nodes: the id, with ``kind`` (account, contact, team_member, competitor, opportunity) and every stored
field (``name``, ``title``, ``level``, ``status``, ``knows_us``, ``closeness``...).
Edges: a ``MultiDiGraph`` keyed by edge id, with ``type`` (REPORTS_TO, INFLUENCES, ...) and the edge's
properties (``strength``, ``closeness``, ``role``, ``stance``, ``influence``, ``kind``, ``threat``, ``note``).
"""

from __future__ import annotations

import networkx as nx

from graph.records import AccountSubgraph


def account_graph(subgraph: AccountSubgraph) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph(account_id=subgraph.account.id, account={"id": subgraph.account.id,
                                                                     **subgraph.account.data})
    graph.add_node(subgraph.account.id, kind="account", **subgraph.account.data)
    for node in subgraph.nodes:
        graph.add_node(node.id, kind=node.kind, **node.data)
    for edge in subgraph.edges:
        graph.add_edge(edge.source, edge.target, key=edge.id, type=edge.type, **edge.data)
    return graph
