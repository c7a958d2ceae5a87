/** What a result looks like once received, and the settings that decide how it is printed (psql's \pset). */

export interface Column {
  name: string;
  /** The column's type (decides right alignment of numbers). */
  typeOid: number;
}

export type Cell = string | null;

export interface Table {
  columns: Column[];
  rows: Cell[][];
}

export interface PrintOptions {
  format: 'aligned' | 'unaligned' | 'csv';
  expanded: 'off' | 'on' | 'auto';
  tuplesOnly: boolean;
  /** Field and record separators of the unaligned format. */
  fieldSep: string;
  recordSep: string;
  csvFieldSep: string;
  /** Shown for SQL NULL. */
  nullPrint: string;
  /** The "(N rows)" footer. */
  footer: boolean;
}

export function defaultPrintOptions(): PrintOptions {
  return {
    format: 'aligned',
    expanded: 'off',
    tuplesOnly: false,
    fieldSep: '|',
    recordSep: '\n',
    csvFieldSep: ',',
    nullPrint: '',
    footer: true,
  };
}

/** A title above the table and footer lines below it, as the describe commands add. */
export interface Decorations {
  title?: string;
  /** Lines printed below the table; given, they replace the "(N rows)" footer. */
  footers?: string[];
  /** false: no "(N rows)" footer (the describe commands print none). */
  rowCount?: boolean;
}

// int8, int2, int4, oid, xid, cid, float4, float8, money, numeric, xid8: printed right-aligned.
const NUMERIC_TYPES = new Set([20, 21, 23, 26, 28, 29, 700, 701, 790, 1700, 5069]);

export function isNumericType(oid: number): boolean {
  return NUMERIC_TYPES.has(oid);
}

export function rowCountFooter(n: number): string {
  return n === 1 ? '(1 row)' : `(${n} rows)`;
}

/** The footer lines a table gets: the decorations' own, else "(N rows)" unless turned off. */
export function footerLines(table: Table, opts: PrintOptions, deco: Decorations): string[] {
  if (opts.tuplesOnly) return [];
  if (deco.footers) return deco.footers;
  if (deco.rowCount === false || !opts.footer) return [];
  return [rowCountFooter(table.rows.length)];
}
