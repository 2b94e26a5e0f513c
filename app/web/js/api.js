// The Guanxi API as the app uses it: the key from sessionStorage, Accept-Language, problem+json errors.

import { lang } from './i18n.js';

const KEY = 'guanxi.key';

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

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
  const response = await fetch(`/v1${path}`, {
    method, headers: headers(extra), body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    let problem = null;
    try { problem = await response.json(); } catch { /* not JSON */ }
    throw new ApiError(response.status, problem);
  }
  return response.status === 204 ? null : response.json();
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
  const response = await fetch(`/v1${path}`, { headers: headers() });
  if (!response.ok) {
    let problem = null;
    try { problem = await response.json(); } catch { /* not JSON */ }
    throw new ApiError(response.status, problem);
  }
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
