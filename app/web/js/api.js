// The Guanxi API as the app uses it: the key from sessionStorage, Accept-Language, problem+json errors,
// and what a failure means in the user's words (explain).

import { lang, t } from './i18n.js';

const KEY = 'guanxi.key';

/** A failed call: `status` 0 when the service could not be reached at all (no answer). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || (status ? `HTTP ${status}` : 'unreachable'));
    this.status = status;
    this.problem = problem || {};
  }

  /** No answer, or the service says it cannot serve now (503: store down, busy). */
  get unreachable() { return this.status === 0 || this.status === 502 || this.status === 503 || this.status === 504; }
}

let unauthorized = () => {};
/** What to do when the service refuses the key (401): main.js signs the user out. */
export function onUnauthorized(handler) { unauthorized = handler; }

export function key() { return sessionStorage.getItem(KEY); }
export function setKey(value) {
  if (value) sessionStorage.setItem(KEY, value); else sessionStorage.removeItem(KEY);
}

function headers(extra = {}) {
  return { Authorization: `Bearer ${key()}`, 'Accept-Language': lang(), ...extra };
}

/** Calls `/v1{path}`; answers the JSON body (null for 204), throws ApiError on any 4xx/5xx. */
export async function api(path, { method = 'GET', body, version } = {}) {
  const extra = {};
  if (body !== undefined) extra['Content-Type'] = 'application/json';
  if (version !== undefined && version !== null) extra['If-Match'] = `"${version}"`;
  const response = await send(`/v1${path}`, {
    method, headers: headers(extra), body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw await failure(response);
  return response.status === 204 ? null : response.json();
}

/** `fetch`, but no answer at all (the service down, the network gone) is an ApiError of status 0. */
async function send(url, init) {
  try {
    return await fetch(url, init);
  } catch {
    throw new ApiError(0, null);
  }
}

/** The ApiError of a failed answer; a refused key (401) tells main.js first. */
async function failure(response) {
  let problem = null;
  try { problem = await response.json(); } catch { /* not JSON */ }
  const error = new ApiError(response.status, problem);
  if (response.status === 401) unauthorized(error);
  return error;
}

/** Every item of a list endpoint, following `next_cursor`. */
export async function listAll(path) {
  const items = [];
  let cursor = null;
  const sep = path.includes('?') ? '&' : '?';
  do {
    const page = await api(`${path}${sep}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}

/** A file the API answers (a map image, a bundle), saved by the browser under `filename`. */
export async function download(path, filename) {
  const response = await send(`/v1${path}`, { headers: headers() });
  if (!response.ok) throw await failure(response);
  const disposition = response.headers.get('Content-Disposition') || '';
  const named = /filename="([^"]+)"/.exec(disposition);
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = named ? named[1] : filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

let openapi = null;
/** The service's OpenAPI document (no key needed), fetched once: which optional features it has. */
export async function schema() {
  if (!openapi) {
    openapi = fetch('/openapi.json').then((r) => (r.ok ? r.json() : { paths: {} })).catch(() => ({ paths: {} }));
  }
  return openapi;
}

/** The values the OpenAPI enum of query parameter `name` of `GET path` allows, or `fallback`. */
export async function queryEnum(path, name, fallback) {
  const doc = await schema();
  const parameter = (doc.paths?.[path]?.get?.parameters || []).find((p) => p.name === name);
  const found = [];
  const visit = (s) => {
    if (!s) return;
    if (s.$ref) visit(s.$ref.split('/').slice(1).reduce((o, k) => o?.[k], doc));
    if (Array.isArray(s.enum)) found.push(...s.enum);
    if (s.const !== undefined) found.push(s.const);
    for (const k of ['anyOf', 'oneOf', 'allOf']) (s[k] || []).forEach(visit);
  };
  visit(parameter?.schema);
  return found.length ? found : fallback;
}

export async function hasPath(path) {
  const doc = await schema();
  return Boolean(doc.paths?.[path]);
}

/**
 * A failure in the user's words and language, never the API's own text (English, naming its paths):
 * `fields` names the form fields a 422's `errors[].loc` may point at (API field path → label), and
 * `write` says the failure is of a change (404: removed meanwhile) rather than of a page (404: not found).
 */
export function explain(error, { fields = {}, write = false } = {}) {
  if (!(error instanceof ApiError)) return t('error', { detail: error?.message || String(error) });
  if (error.unreachable) return t(write ? 'unreachable_write' : 'unreachable');
  const status = error.status;
  if (status === 401) return t('key_expired');
  if (status === 403) return t('forbidden');
  if (status === 404) return t(write ? 'gone' : 'not_found');
  if (status === 409) return t(/already exists/.test(error.problem.detail || '') ? 'already_exists' : 'conflict');
  if (status === 412) return t('stale');
  if (status === 413) return t('too_large');
  if (status === 429) return t('busy');
  if (status === 507) return t('storage_full');
  if (status === 400 || status === 415 || status === 422) {
    const said = fieldProblems(error, fields).map((p) => p.message);
    return said.length ? [...new Set(said)].join(' ') : t('invalid_input');
  }
  if (status >= 500) return t('server_error');
  return t('refused', { status });
}

/** The API field a problem's `loc` names: `["body", "closeness", "relationship"]` → `closeness.relationship`. */
export function fieldOf(loc) {
  return (loc || []).filter((part, i) => !(i === 0 && ['body', 'query', 'path', 'header'].includes(part))
    && typeof part === 'string').join('.');
}

/** Each of a 422's `errors` as {field, message}: the field's label (from `fields`) and what is wrong with
 *  it, in the user's language; an error naming no known field says only what it can. */
export function fieldProblems(error, fields = {}) {
  const found = [];
  for (const { loc, msg = '' } of error.problem?.errors || []) {
    const field = fieldOf(loc);
    if (/itself/.test(msg)) { found.push({ field, message: t('line_self') }); continue; }
    const name = fields[field];
    if (!name) continue;
    found.push({ field, message: fieldMessage(name, msg) });
  }
  return found;
}

/** What is wrong with the field labelled `name`, from the API's `msg` (pydantic's words). */
function fieldMessage(name, msg) {
  let m;
  if (/required|missing/i.test(msg)) return t('field_required', { field: name });
  if (/date/i.test(msg)) return t('field_date', { field: name });
  if ((m = /greater than or equal to (-?[\d.]+)/.exec(msg))) return t('field_min', { field: name, min: m[1] });
  if ((m = /greater than (-?[\d.]+)/.exec(msg))) return t('field_above', { field: name, min: m[1] });
  if ((m = /less than or equal to (-?[\d.]+)/.exec(msg))) return t('field_max', { field: name, max: m[1] });
  if (/number|integer|float/i.test(msg)) return t('field_number', { field: name });
  return t('field_invalid', { field: name });
}
