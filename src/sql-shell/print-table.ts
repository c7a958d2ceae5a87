/** Picks the format psql would use for a table (\pset format, \x) and renders it as text. */
import { textWidth } from './display-width.js';
import { printAligned, printExpanded } from './print-aligned.js';
import type { Decorations, PrintOptions, Table } from './print-options.js';
import { printCsv, printUnaligned } from './print-plain.js';

/** `terminalColumns`: the width `\x auto` compares against (only when printing to a terminal). */
export function formatTable(
  table: Table,
  opts: PrintOptions,
  deco: Decorations = {},
  terminalColumns?: number,
): string {
  if (opts.format === 'csv') return printCsv(table, opts);
  if (opts.format === 'unaligned') return printUnaligned(table, opts, deco);
  if (opts.expanded === 'on') return printExpanded(table, opts, deco);
  const aligned = printAligned(table, opts, deco);
  if (opts.expanded === 'auto' && terminalColumns && table.columns.length > 1) {
    const widest = Math.max(...aligned.split('\n').map(textWidth));
    if (widest > terminalColumns) return printExpanded(table, opts, deco);
  }
  return aligned;
}
