/** psql's unaligned (`-A`, `-F`, `-R`) and CSV (`--csv`) formats, each also in its expanded (`\x`) form. */
import { type Decorations, footerLines, type PrintOptions, type Table } from './print-options.js';

export function printUnaligned(table: Table, opts: PrintOptions, deco: Decorations): string {
  const { fieldSep: fs, recordSep: rs } = opts;
  const show = (v: string | null) => v ?? opts.nullPrint;
  const records: string[] = [];
  if (opts.expanded === 'on') {
    const blocks = table.rows.map((row) => row.map((v, j) => `${table.columns[j]!.name}${fs}${show(v)}`).join(rs));
    if (!opts.tuplesOnly && deco.title !== undefined && blocks.length > 0) records.push(deco.title);
    if (blocks.length > 0) records.push(blocks.join(rs + rs));
    if (!opts.tuplesOnly && deco.footers) records.push(...deco.footers);
  } else {
    if (!opts.tuplesOnly) {
      if (deco.title !== undefined) records.push(deco.title);
      records.push(table.columns.map((c) => c.name).join(fs));
    }
    for (const row of table.rows) records.push(row.map(show).join(fs));
    records.push(...footerLines(table, opts, deco));
  }
  return records.length > 0 ? `${records.join(rs)}\n` : '';
}

function csvField(value: string, sep: string): string {
  const quote = value.includes(sep) || /["\n\r]/.test(value) || value === '\\.';
  return quote ? `"${value.replace(/"/g, '""')}"` : value;
}

export function printCsv(table: Table, opts: PrintOptions): string {
  const sep = opts.csvFieldSep;
  const field = (v: string | null) => csvField(v ?? opts.nullPrint, sep);
  let out = '';
  if (opts.expanded === 'on') {
    for (const row of table.rows) {
      row.forEach((v, j) => {
        out += `${field(table.columns[j]!.name)}${sep}${field(v)}\n`;
      });
    }
    return out;
  }
  if (!opts.tuplesOnly) out += `${table.columns.map((c) => field(c.name)).join(sep)}\n`;
  for (const row of table.rows) out += `${row.map(field).join(sep)}\n`;
  return out;
}
