// The rows measured so far and the errors met: each row module adds its rows here, run.mjs reports them.
import { summary } from './lib.mjs';

export const rows = [];
export const errors = [];

export function addRow(row) {
  const o = summary(row.ours?.samples);
  const t = summary(row.theirs?.samples);
  row.oursSummary = o;
  row.theirsSummary = t;
  row.ratio = o && t && t.median > 0 ? o.median / t.median : null;
  if (row.met === undefined) {
    if (row.target?.maxRatio !== undefined) row.met = row.ratio !== null ? row.ratio <= row.target.maxRatio : null;
    else if (row.target?.maxValue !== undefined) row.met = o ? o.median <= row.target.maxValue : null;
    else row.met = null;
  }
  rows.push(row);
  const fmt = (s, unit) => (s ? `${num(s.median, unit)} (${s.n})` : '-');
  const ratio = row.ratio !== null ? `, ratio ${row.ratio.toFixed(2)}` : '';
  console.error(`  ${row.id} ${row.title}: ours ${fmt(o, row.unit)}, theirs ${fmt(t, row.unit)}${ratio}`);
}

export function num(v, unit) {
  if (v === null || v === undefined || Number.isNaN(v)) return '-';
  const digits = unit === 'µs' ? (v < 100 ? 1 : 0) : unit === 'MiB' ? 1 : v < 10 ? 2 : v < 100 ? 1 : 0;
  return `${v.toFixed(digits)} ${unit}`;
}
