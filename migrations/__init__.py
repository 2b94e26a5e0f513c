"""Versioned migrations: ``sqlite/V*.sql`` and ``neo4j/V*.cypher`` (schema), or ``V*.py`` on either (data
conversions that SQL or Cypher alone cannot do: parsing JSON without plugins, the domain's own rules),
applied in version order."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).parent


@dataclass(frozen=True)
class Migration:
    name: str
    text: str

    @property
    def is_python(self) -> bool:
        """A data migration written in Python: its module's ``migrate`` function does the work (on SQLite
        in the migration's transaction, on Neo4j in batched transactions of its own)."""
        return self.name.endswith(".py")

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    def statements(self) -> list[str]:
        """The file's statements, split on ``;`` at line ends, without comment-only lines."""
        body = "\n".join(line for line in self.text.splitlines() if not line.strip().startswith(("--", "//")))
        return [s.strip() for s in body.split(";\n") if s.strip().rstrip(";").strip()]


def migrations(backend: str) -> list[Migration]:
    """Migrations of ``backend`` ("sqlite" or "neo4j") in version order (V0001 before V0002...)."""
    suffixes = {"sqlite": (".sql", ".py"), "neo4j": (".cypher", ".py")}[backend]
    files = sorted((p for p in (ROOT / backend).glob("V*") if p.suffix in suffixes),
                   key=lambda p: int(p.name[1:].split("__")[0]))
    return [Migration(p.name, p.read_text(encoding="utf-8")) for p in files]
