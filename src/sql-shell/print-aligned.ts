/**
 * psql's aligned format (border 1, ASCII lines): a centred title, centred headers, a `-+-` rule, numbers
 * right-aligned, multi-line cells continued with `+` at the right edge, and the `\x` expanded form with
 * its `-[ RECORD n ]` lines.
 */
import { type CellLine, cellLines, cellWidth, textWidth } from './display-width.js';
import { type Decorations, footerLines, isNumericType, type PrintOptions, type Table } from './print-options.js';

const spaces = (n: number) => (n > 0 ? ' '.repeat(n) : '');

function formatted(table: Table, opts: PrintOptions): CellLine[][][] {
  return table.rows.map((row) => row.map((v) => cellLines(v ?? opts.nullPrint)));
}

function titleLine(title: string, totalWidth: number): string {
  const w = textWidth(title);
  return w >= totalWidth ? `${title}\n` : `${spaces(Math.floor((totalWidth - w) / 2))}${title}\n`;
}

/** One table row (header or data) over as many screen lines as its tallest cell. */
function rowLines(cells: CellLine[][], widths: number[], align: ('l' | 'r' | 'c')[], padLast: boolean): string {
  const height = Math.max(1, ...cells.map((c) => c.length));
  let out = '';
  for (let l = 0; l < height; l++) {
    let line = '';
    for (let j = 0; j < cells.length; j++) {
      const last = j === cells.length - 1;
      const cell = cells[j]!;
      const part = cell[l];
      const more = l + 1 < cell.length;
      const w = widths[j]!;
      if (j > 0) line += '|';
      line += ' ';
      const finalSpaces = !last || padLast || more;
      if (!part) {
        if (finalSpaces) line += spaces(w);
      } else if (align[j] === 'r') {
        line += spaces(w - part.width) + part.text;
      } else if (align[j] === 'c') {
        const left = Math.floor((w - part.width) / 2);
        line += spaces(left) + part.text + (finalSpaces ? spaces(w - part.width - left) : '');
      } else {
        line += part.text + (finalSpaces ? spaces(w - part.width) : '');
      }
      if (more) line += '+';
      else if (!last || padLast) line += ' ';
    }
    out += `${line}\n`;
  }
  return out;
}

export function printAligned(table: Table, opts: PrintOptions, deco: Decorations): string {
  const headers = table.columns.map((c) => cellLines(c.name));
  const cells = formatted(table, opts);
  const widths = table.columns.map((_, j) => {
    let w = cellWidth(headers[j]!);
    for (const row of cells) w = Math.max(w, cellWidth(row[j]!));
    return w;
  });
  const align = table.columns.map((c) => (isNumericType(c.typeOid) ? 'r' : 'l') as 'l' | 'r');
  let out = '';
  if (!opts.tuplesOnly) {
    const total = widths.reduce((a, b) => a + b, 0) + 3 * widths.length - 1;
    if (deco.title !== undefined) out += titleLine(deco.title, total);
    if (table.columns.length === 0) {
      out += '--\n';
    } else {
      out += rowLines(
        headers,
        widths,
        widths.map(() => 'c'),
        true,
      );
      out += `${widths.map((w) => '-'.repeat(w + 2)).join('+')}\n`;
    }
  }
  // A row of no columns prints nothing (psql: "--", then the footer).
  if (table.columns.length > 0) for (const row of cells) out += rowLines(row, widths, align, false);
  for (const f of footerLines(table, opts, deco)) out += `${f}\n`;
  return `${out}\n`;
}

export function printExpanded(table: Table, opts: PrintOptions, deco: Decorations): string {
  const names = table.columns.map((c) => cellLines(c.name));
  const cells = formatted(table, opts);
  const nameWidth = Math.max(0, ...names.map(cellWidth));
  let valueWidth = 0;
  for (const row of cells) for (const c of row) valueWidth = Math.max(valueWidth, cellWidth(c));
  let out = '';
  if (!opts.tuplesOnly && deco.title !== undefined) out += `${deco.title}\n`;
  if (table.rows.length === 0) {
    if (!opts.tuplesOnly && opts.footer) out += '(0 rows)\n';
  }
  const rule = `${'-'.repeat(nameWidth + 1)}+${'-'.repeat(valueWidth + 1)}`;
  cells.forEach((row, i) => {
    if (!opts.tuplesOnly) {
      const label = `-[ RECORD ${i + 1} ]`;
      out += `${label.length >= rule.length ? label : label + rule.slice(label.length)}\n`;
    } else if (i > 0) {
      out += `${rule}\n`;
    }
    row.forEach((value, j) => {
      const name = names[j]!;
      const height = Math.max(name.length, value.length);
      for (let l = 0; l < height; l++) {
        const n = name[l];
        const v = value[l];
        let line = (n?.text ?? '') + spaces(nameWidth - (n?.width ?? 0));
        line += l + 1 < name.length ? '+' : ' ';
        line += '| ';
        if (l + 1 < value.length) line += `${v!.text}${spaces(valueWidth - v!.width)}+`;
        else if (v) line += v.text;
        out += `${line}\n`;
      }
    });
  });
  if (!opts.tuplesOnly && deco.footers) for (const f of deco.footers) out += `${f}\n`;
  return `${out}\n`;
}
