"""Neo4j migrations: ``V*.cypher`` schema files and ``V*.py`` data conversions (see graph.neo4j.migrate)."""
