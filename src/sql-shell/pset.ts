/** psql's \pset (and the shortcuts \a \t \x \f that use it): change a print setting, say what it is now. */
import type { PrintOptions } from './print-options.js';
import { parseBool } from './variables.js';

export class PsetError extends Error {}

const FORMATS = ['aligned', 'unaligned', 'csv', 'wrapped'];

function onOff(v: boolean): string {
  return v ? 'on' : 'off';
}

function toggle(current: boolean, value: string | undefined, name: string): boolean {
  if (value === undefined) return !current;
  const b = parseBool(value);
  if (b === undefined) throw new PsetError(`unrecognized value "${value}" for "${name}": Boolean expected`);
  return b;
}

/** The line psql prints after a \pset (unless quiet). */
export function describeSetting(p: PrintOptions, name: string): string {
  switch (name) {
    case 'format':
      return `Output format is ${p.format}.`;
    case 'expanded':
      return p.expanded === 'auto' ? 'Expanded display is used automatically.' : `Expanded display is ${p.expanded}.`;
    case 'tuples_only':
      return `Tuples only is ${onOff(p.tuplesOnly)}.`;
    case 'fieldsep':
      return p.fieldSep === '\0' ? 'Field separator is zero byte.' : `Field separator is "${p.fieldSep}".`;
    case 'recordsep':
      return p.recordSep === '\n'
        ? 'Record separator is <newline>.'
        : p.recordSep === '\0'
          ? 'Record separator is zero byte.'
          : `Record separator is "${p.recordSep}".`;
    case 'csv_fieldsep':
      return `Field separator for CSV is "${p.csvFieldSep}".`;
    case 'null':
      return `Null display is "${p.nullPrint}".`;
    case 'footer':
      return `Default footer is ${onOff(p.footer)}.`;
    case 'border':
      return 'Border style is 1.';
    case 'pager':
      return 'Pager usage is off.';
    default:
      return '';
  }
}

/**
 * Apply `\pset name [value]`; returns the name whose state to report, or null where psql 15 says nothing
 * (tuples_only and footer given an explicit value).
 */
export function applyPset(p: PrintOptions, name: string, value: string | undefined): string | null {
  switch (name) {
    case 'format': {
      if (value === undefined) return name;
      const match = FORMATS.filter((f) => f.startsWith(value.toLowerCase()));
      if (match.length !== 1) throw new PsetError('\\pset: allowed formats are aligned, csv, unaligned, wrapped');
      p.format = match[0] === 'wrapped' ? 'aligned' : (match[0] as PrintOptions['format']);
      return name;
    }
    case 'expanded':
    case 'x':
      if (value === 'auto') p.expanded = 'auto';
      else p.expanded = toggle(p.expanded === 'on', value, 'expanded') ? 'on' : 'off';
      return 'expanded';
    case 'tuples_only':
    case 't':
      p.tuplesOnly = toggle(p.tuplesOnly, value, 'tuples_only');
      return value === undefined ? 'tuples_only' : null;
    case 'fieldsep':
      if (value !== undefined) p.fieldSep = value;
      return name;
    case 'fieldsep_zero':
      p.fieldSep = '\0';
      return 'fieldsep';
    case 'recordsep':
      if (value !== undefined) p.recordSep = value;
      return name;
    case 'recordsep_zero':
      p.recordSep = '\0';
      return 'recordsep';
    case 'csv_fieldsep':
      if (value !== undefined) {
        if (value.length !== 1 || /["\n\r]/.test(value))
          throw new PsetError('\\pset: csv_fieldsep must be a single one-byte character');
        p.csvFieldSep = value;
      }
      return name;
    case 'null':
      if (value !== undefined) p.nullPrint = value;
      return name;
    case 'footer':
      p.footer = toggle(p.footer, value, 'footer');
      return value === undefined ? name : null;
    case 'border':
      if (value !== undefined && value !== '1') throw new PsetError('\\pset: the built-in shell prints border 1 only');
      return name;
    case 'pager':
      return name; // accepted: the built-in shell uses no pager
    default:
      throw new PsetError(`\\pset: unknown option: ${name}`);
  }
}
