// Search: the search syntax (GET /api/v1/search) with a time histogram
// (GET /api/v1/aggregate), or SQL (POST /api/v1/query). A row opens to the
// full normalized event and its original record; a value can be added to
// the query as a filter, or searched alone (pivot).

import { api, qs } from './api.js';
import { timeChart } from './chart.js';
import { card, errorBox, h, mount, show } from './dom.js';
import { go } from './app.js';
import { fmtTime, grid, range } from './time.js';

const DEFAULT_SQL = 'SELECT "event.dataset", count(*) AS events, max("@timestamp") AS last\nFROM events\nGROUP BY "event.dataset"\nORDER BY events DESC';
const COLUMNS = ['event.dataset', 'event.action', 'event.outcome', 'user.name', 'source.ip', 'host.name', 'rule.name', 'message'];

/** `field:"value"` in the search syntax. */
export function term(field, value) {
  if (typeof value === 'number' || typeof value === 'boolean') return `${field}:${value}`;
  return `${field}:"${String(value).replace(/(["\\])/g, '\\$1')}"`;
}

/** The normalized fields as [name, value] pairs, nested objects flattened. */
function flatten(obj, prefix = '', out = []) {
  for (const [k, v] of Object.entries(obj || {})) {
    const name = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v)) flatten(v, name, out);
    else out.push([name, v]);
  }
  return out;
}

function get(fields, name) {
  if (fields && Object.prototype.hasOwnProperty.call(fields, name)) return fields[name];
  let cur = fields;
  for (const part of name.split('.')) {
    if (!cur || typeof cur !== 'object') return undefined;
    cur = cur[part];
  }
  return cur;
}

export async function searchPage(page, params) {
  const mode = params.mode === 'sql' ? 'sql' : 'search';
  const q = params.q || '';
  const input = mode === 'sql'
    ? h('textarea', { id: 'sql', rows: 5, spellcheck: 'false' }, params.sql || DEFAULT_SQL)
    : h('input', { type: 'search', id: 'q', value: q, placeholder: 'e.g. event.action:ConsoleLogin AND event.outcome:failure (empty: everything)', spellcheck: 'false' });
  const modeRadio = (value, label) => h('label', {}, h('input', { type: 'radio', name: 'mode', value, checked: mode === value,
    onchange: () => go('search', value === 'sql' ? { mode: 'sql' } : { q }) }), ` ${label}`);
  const form = h('form', { class: 'toolbar', onsubmit: (e) => {
    e.preventDefault();
    go('search', mode === 'sql' ? { mode: 'sql', sql: input.value } : { q: input.value });
  } }, h('span', { class: 'modes' }, modeRadio('search', 'Search'), modeRadio('sql', 'SQL')), input, h('button', { type: 'submit', id: 'run' }, 'Run'));
  const histogram = h('div', {});
  const results = h('div', {}, 'loading…');
  mount(page, h('h1', {}, 'Search'), card(mode === 'sql' ? 'SQL over the events table' : `Search — ${range().label}`, form),
    mode === 'sql' ? null : card('Matches over time', histogram),
    card('Results', results));
  if (mode === 'sql') {
    await runSql(params.sql || DEFAULT_SQL, results);
  } else {
    await Promise.all([runHistogram(q, histogram), runSearch(q, results)]);
  }
}

async function runHistogram(q, slot) {
  const r = range();
  try {
    const a = await api('GET', `/api/v1/aggregate${qs({ q, from: r.from, to: r.to, interval: r.interval })}`);
    const g = grid(a.buckets, r.from, r.to, r.intervalMs);
    const series = [...g.series].map(([, values]) => ({ name: 'matching events', values, colour: '#1f77b4' }));
    mount(slot, timeChart({ times: g.times, intervalMs: r.intervalMs, series, mode: 'bars', unit: 'events', title: 'matches over time' }));
  } catch (e) {
    mount(slot, errorBox(e, 'The histogram failed'));
  }
}

async function runSearch(q, slot) {
  const r = range();
  const tbody = h('tbody', {});
  const more = h('div', {});
  const count = h('p', { class: 'muted' });
  let shown = 0;
  async function page(cursor) {
    try {
      const res = await api('GET', `/api/v1/search${qs({ q, from: r.from, to: r.to, size: 50, cursor })}`);
      for (const hit of res.hits) addHit(tbody, hit, q);
      shown += res.hits.length;
      count.textContent = `${shown} event${shown === 1 ? '' : 's'} shown, newest first (${res.took_ms.toFixed(1)} ms)`;
      mount(more, res.next ? h('button', { type: 'button', class: 'secondary', onclick: () => page(res.next) }, 'Load more') : null);
    } catch (e) {
      mount(more, errorBox(e, 'The search failed'));
    }
  }
  mount(slot, count, h('table', { class: 'grid results' },
    h('thead', {}, h('tr', {}, ['Time', ...COLUMNS].map((t) => h('th', {}, t)))), tbody), more);
  await page(undefined);
}

function addHit(tbody, hit, q) {
  const cells = COLUMNS.map((c) => h('td', {}, show(get(hit.fields, c))));
  const row = h('tr', { class: 'hit', title: 'Click to show the whole event' }, h('td', { class: 'mono' }, fmtTime(hit['@timestamp'])), cells);
  let detail = null;
  row.addEventListener('click', () => {
    if (detail) { detail.remove(); detail = null; return; }
    detail = h('tr', { class: 'detail' }, h('td', { colspan: COLUMNS.length + 1 }, eventDetail(hit, q)));
    row.after(detail);
  });
  tbody.appendChild(row);
}

function eventDetail(hit, q) {
  const pairs = flatten(hit.fields).sort((a, b) => a[0].localeCompare(b[0]));
  let original = hit.original;
  if (original) {
    try { original = JSON.stringify(JSON.parse(original), null, 2); } catch { /* not JSON: as is */ }
  }
  return h('div', {},
    h('h3', {}, 'Normalized fields'),
    h('div', { class: 'fields' }, pairs.flatMap(([k, v]) => [
      h('span', { class: 'k' }, k),
      h('span', { class: 'v' }, valueLink(k, v, q)),
    ])),
    h('h3', {}, 'Original record'),
    original ? h('pre', { class: 'original' }, original) : h('p', { class: 'muted' }, '(not kept)'),
    h('p', { class: 'muted mono' }, `_id ${hit._id}`));
}

/** A value with "filter" (add to the query) and "pivot" (search it alone). */
function valueLink(field, value, q) {
  // A list matches when any element does: each scalar element is a value.
  if (Array.isArray(value) && value.every((x) => x !== null && typeof x !== 'object')) {
    return h('span', {}, value.map((x) => h('span', { class: 'list-item' }, valueLink(field, x, q))));
  }
  if (value === null || typeof value === 'object') return show(value);
  const t = term(field, value);
  return h('span', {},
    h('a', { href: '#', class: 'value', title: `add ${t} to the query`, onclick: (e) => {
      e.preventDefault();
      go('search', { q: q.trim() ? `${q.trim()} AND ${t}` : t });
    } }, show(value)),
    h('span', { class: 'menu' },
      h('button', { type: 'button', class: 'secondary filter-button', title: `filter: ${t}`, onclick: (e) => { e.stopPropagation(); go('search', { q: q.trim() ? `${q.trim()} AND ${t}` : t }); } }, 'filter'),
      h('button', { type: 'button', class: 'secondary pivot-button', title: `pivot: search ${t} alone`, onclick: (e) => { e.stopPropagation(); go('search', { q: t }); } }, 'pivot')));
}

async function runSql(sql, slot) {
  try {
    const out = await api('POST', '/api/v1/query', { query: sql });
    mount(slot,
      h('p', { class: 'muted' }, `${out.rows.length} row${out.rows.length === 1 ? '' : 's'}${out.truncated ? ' (cut at the row limit)' : ''} in ${out.elapsed_ms.toFixed(1)} ms`),
      h('table', { class: 'grid results' },
        h('thead', {}, h('tr', {}, out.columns.map((c) => h('th', {}, c)))),
        h('tbody', {}, out.rows.map((row) => h('tr', {}, row.map((v) => h('td', { class: 'mono' }, show(v))))))));
  } catch (e) {
    mount(slot, errorBox(e, 'The query failed'));
  }
}
