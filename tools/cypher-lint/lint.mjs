#!/usr/bin/env node
// Lints Cypher statements with Neo4j's own Cypher front end (@neo4j-cypher/language-support: the
// ANTLR grammar plus Neo4j's semantic analysis compiled to JavaScript).
//
// Input (stdin): a JSON array of statements
//     [{"name": "GET_NODES", "query": "MATCH ...", "parameters": {"ids": null}}, ...]
// The parameters each statement declares are the only ones it may use.
//
// Options:
//   --schema FILE     JSON: {labels, relationshipTypes, propertyKeys, graphSchema, procedures?}
//                     declares the database's schema; with it, undeclared labels, relationship types
//                     and property keys are reported as warnings.
//   --cypher 5,25     Cypher versions to check every statement against (default: 5).
//   --strict          warnings fail too (exit 1), not only errors.
//   --json            print the diagnostics as a JSON array instead of text.
//   --jobs N          worker threads (default: one per CPU, at most 4).
//
// Built-in functions are taken from the function registry shipped with the package (a Neo4j 5 dump),
// without APOC/GDS: a misspelt function, or a plugin function the server may not have, is an error.
// No procedure is declared unless the schema lists some, so any CALL of a procedure is an error.
//
// Exit status: 0 clean; 1 an error (or, with --strict, a warning) was found; 2 bad usage or input.

import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { lintCypherQuery, testData } from '@neo4j-cypher/language-support';

const SEVERITY = { 1: 'error', 2: 'warning', 3: 'info', 4: 'hint' };
const PLUGIN = /^(apoc|gds|genai)\./i;
const SCHEMA_COMMAND = /^\s*(CREATE|DROP)\s+(OR\s+REPLACE\s+)?((RANGE|TEXT|POINT|LOOKUP|FULLTEXT|VECTOR)\s+)?(CONSTRAINT|INDEX)\b|^\s*SHOW\b/i;

function usage(message) {
  process.stderr.write(`cypher-lint: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const options = { schema: {}, versions: ['5'], strict: false, json: false, jobs: Math.min(availableParallelism(), 4) };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--schema') options.schema = JSON.parse(readFileSync(argv[++i], 'utf8'));
    else if (arg === '--cypher') options.versions = argv[++i].split(',').map((v) => v.trim());
    else if (arg === '--strict') options.strict = true;
    else if (arg === '--json') options.json = true;
    else if (arg === '--jobs') options.jobs = Number.parseInt(argv[++i], 10) || 1;
    else usage(`unknown argument ${arg}`);
  }
  for (const v of options.versions) if (!['5', '25'].includes(v)) usage(`unknown Cypher version ${v}`);
  return options;
}

function builtinFunctions() {
  const registry = testData?.mockSchema?.functions;
  if (!registry || !registry['CYPHER 5'] || Object.keys(registry['CYPHER 5']).length < 50) {
    usage('the installed @neo4j-cypher/language-support has no built-in function registry; '
      + 'check the pinned version in tools/cypher-lint/package.json');
  }
  const withoutPlugins = {};
  for (const [version, functions] of Object.entries(registry)) {
    withoutPlugins[version] = Object.fromEntries(
      Object.entries(functions).filter(([name]) => !PLUGIN.test(name)));
  }
  return withoutPlugins;
}

function readStatements() {
  let input;
  try {
    input = JSON.parse(readFileSync(0, 'utf8'));
  } catch (e) {
    usage(`stdin is not JSON: ${e.message}`);
  }
  if (!Array.isArray(input)) usage('stdin must be a JSON array of {name, query, parameters}');
  input.forEach((s, i) => {
    if (typeof s?.query !== 'string' || !s.query.trim()) usage(`statement ${i} has no query`);
    if (s.parameters !== undefined && (typeof s.parameters !== 'object' || Array.isArray(s.parameters))) {
      usage(`statement ${i} (${s.name}): parameters must be an object`);
    }
  });
  return input;
}

function excerpt(query, range) {
  const line = query.split('\n')[range.start.line] ?? '';
  return `${line}\n${' '.repeat(range.start.character)}^`;
}

function lintAll(statements, options, indices) {
  const functions = builtinFunctions();
  const procedures = options.schema.procedures ?? { 'CYPHER 5': {}, 'CYPHER 25': {} };
  const findings = [];
  // version by version: switching versions re-registers the function registry
  for (const version of options.versions) {
    for (const index of indices) {
      const statement = statements[index];
      const name = statement.name ?? `#${index}`;
      const dbSchema = {
        labels: options.schema.labels,
        relationshipTypes: options.schema.relationshipTypes,
        propertyKeys: options.schema.propertyKeys,
        graphSchema: options.schema.graphSchema,
        parameters: statement.parameters ?? {},
        functions,
        procedures,
        defaultLanguage: `CYPHER ${version}`,
      };
      const { diagnostics, symbolTables } = lintCypherQuery(statement.query, dbSchema, { consoleCommandsEnabled: false });
      // The package swallows exceptions of its semantic analysis and then reports nothing; a statement
      // that is not a schema command always yields variables, so an empty symbol table means the
      // semantic check did not run, which must not pass for "no findings".
      const analysed = symbolTables.some((table) => table.length > 0);
      if (!analysed && !SCHEMA_COMMAND.test(statement.query) && !diagnostics.some((d) => d.severity === 1)) {
        diagnostics.push({
          severity: 1,
          message: 'semantic analysis produced nothing for this statement (the linter may be broken)',
          range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
        });
      }
      for (const d of diagnostics) {
        findings.push({
          index,
          name,
          cypher: version,
          severity: SEVERITY[d.severity] ?? String(d.severity),
          message: d.message,
          line: d.range.start.line + 1,
          column: d.range.start.character + 1,
          excerpt: excerpt(statement.query, d.range),
        });
      }
    }
  }
  return findings;
}

// The semantic analysis is slow (seconds for a large statement): statements are shared out among
// worker threads, one per CPU (at most 4, or --jobs N).
async function lintInParallel(statements, options) {
  const jobs = Math.max(1, Math.min(options.jobs, statements.length));
  const slices = Array.from({ length: jobs }, () => []);
  statements.forEach((_, i) => slices[i % jobs].push(i));
  if (jobs === 1) return lintAll(statements, options, slices[0]);
  const results = await Promise.all(slices.map((indices) => new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { statements, options, indices } });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => code === 0 || reject(new Error(`lint worker exited with ${code}`)));
  })));
  return results.flat();
}

if (!isMainThread) {
  const { statements, options, indices } = workerData;
  parentPort.postMessage(lintAll(statements, options, indices));
} else {
  const options = parseArgs(process.argv.slice(2));
  const statements = readStatements();
  builtinFunctions();
  const findings = (await lintInParallel(statements, options))
    .sort((a, b) => a.index - b.index || a.cypher.localeCompare(b.cypher) || a.line - b.line || a.column - b.column)
    .map(({ index, ...finding }) => finding);
  report(statements, options, findings);
}

function report(statements, options, findings) {
  const failing = findings.filter((f) => f.severity === 'error' || (options.strict && f.severity === 'warning'));
  if (options.json) {
    process.stdout.write(JSON.stringify({ checked: statements.length, versions: options.versions, findings }, null, 2) + '\n');
  } else {
    for (const f of findings) {
      process.stdout.write(`${f.name} [Cypher ${f.cypher}] ${f.severity} at ${f.line}:${f.column}: ${f.message}\n`
        + f.excerpt.replace(/^/gm, '    ') + '\n');
    }
    const count = (severity) => findings.filter((f) => f.severity === severity).length;
    process.stdout.write(`${statements.length} statement(s) checked against Cypher ${options.versions.join(', ')}: `
      + `${count('error')} error(s), ${count('warning')} warning(s)\n`);
  }
  process.exitCode = failing.length ? 1 : 0;
}
