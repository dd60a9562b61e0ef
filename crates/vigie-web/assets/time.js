// The time range shared by every page, and time formatting.

const RANGES = {
  '15m': { ms: 15 * 60e3, interval: '30s', label: 'last 15 minutes' },
  '1h': { ms: 3600e3, interval: '1m', label: 'last hour' },
  '6h': { ms: 6 * 3600e3, interval: '10m', label: 'last 6 hours' },
  '24h': { ms: 24 * 3600e3, interval: '30m', label: 'last 24 hours' },
  '7d': { ms: 7 * 24 * 3600e3, interval: '6h', label: 'last 7 days' },
};

let current = '1h';
try {
  const saved = sessionStorage.getItem('vigie.range');
  if (saved && RANGES[saved]) current = saved;
} catch { /* storage may be disabled */ }

export function rangeKey() { return current; }

export function setRange(key) {
  if (!RANGES[key]) return;
  current = key;
  try { sessionStorage.setItem('vigie.range', key); } catch { /* ignore */ }
}

/** The current range: {from, to} in epoch ms, the bucket interval and its length. */
export function range() {
  const r = RANGES[current];
  const to = Date.now();
  return { from: to - r.ms, to, interval: r.interval, intervalMs: parseInterval(r.interval), label: r.label };
}

export function parseInterval(s) {
  const m = /^(\d+)([smhd])$/.exec(s);
  if (!m) return 60e3;
  return Number(m[1]) * { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[m[2]];
}

const pad = (n) => String(n).padStart(2, '0');

/** "2026-11-24 10:15:03" in local time. */
export function fmtTime(t) {
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return String(t);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** An axis label for `t`, precise enough for a span of `spanMs`. */
export function fmtTick(t, spanMs) {
  const d = new Date(t);
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (spanMs <= 2 * 3600e3) return `${hm}:${pad(d.getSeconds())}`.replace(/:00$/, '');
  if (spanMs <= 26 * 3600e3) return hm;
  return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${hm}`;
}

/** "3 min ago", "2 h ago". */
export function ago(t) {
  const s = Math.round((Date.now() - new Date(t).getTime()) / 1000);
  if (Number.isNaN(s)) return '';
  if (s < 0) return 'in the future';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

/**
 * Buckets of an aggregate answer on a full grid over [from, to): the
 * server returns only non-empty buckets, aligned on multiples of the
 * interval since the epoch. Returns {times, series: Map(name -> counts[])}.
 */
export function grid(buckets, from, to, intervalMs) {
  const start = Math.floor(from / intervalMs) * intervalMs;
  const times = [];
  for (let t = start; t < to; t += intervalMs) times.push(t);
  const series = new Map();
  for (const b of buckets || []) {
    const t = new Date(b.time).getTime();
    const i = Math.floor((t - start) / intervalMs);
    if (i < 0 || i >= times.length) continue;
    const name = b.value === undefined ? 'events' : (b.value === null ? '(none)' : String(b.value));
    if (!series.has(name)) series.set(name, new Array(times.length).fill(0));
    series.get(name)[i] += b.count;
  }
  return { times, series };
}
