/**
 * The arguments of a psql meta-command: separated by whitespace; '…' quoted with psql's escapes (\n, \t,
 * \\, \', '' and octal/hex); "…" kept with its quotes (names keep their case that way); `:var`, `:'var'`
 * and `:"var"` replaced by variables.
 */
import { quoteIdent, quoteLiteral } from '../postgres/sql-lexer.js';

export interface Arg {
  /** The argument after quote removal and interpolation. */
  value: string;
  /** Any part was single-quoted (so it is not a keyword or an option). */
  quoted: boolean;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', b: '\b', r: '\r', f: '\f' };

function singleQuoted(text: string, from: number): { value: string; end: number } {
  let value = '';
  let k = from + 1;
  while (k < text.length) {
    const c = text[k]!;
    if (c === "'") {
      if (text[k + 1] === "'") {
        value += "'";
        k += 2;
        continue;
      }
      return { value, end: k + 1 };
    }
    if (c === '\\' && k + 1 < text.length) {
      const n = text[k + 1]!;
      const oct = /^[0-7]{1,3}/.exec(text.slice(k + 1));
      const hex = /^x([0-9A-Fa-f]{1,2})/.exec(text.slice(k + 1));
      if (oct) {
        value += String.fromCharCode(Number.parseInt(oct[0], 8));
        k += 1 + oct[0].length;
      } else if (hex) {
        value += String.fromCharCode(Number.parseInt(hex[1]!, 16));
        k += 1 + hex[0].length;
      } else {
        value += ESCAPES[n] ?? n;
        k += 2;
      }
      continue;
    }
    value += c;
    k++;
  }
  return { value, end: k };
}

export function splitArgs(text: string, variable: (name: string) => string | undefined): Arg[] {
  const args: Arg[] = [];
  let k = 0;
  while (k < text.length) {
    while (k < text.length && /\s/.test(text[k]!)) k++;
    if (k >= text.length) break;
    let value = '';
    let quoted = false;
    while (k < text.length && !/\s/.test(text[k]!)) {
      const c = text[k]!;
      if (c === "'") {
        const q = singleQuoted(text, k);
        value += q.value;
        k = q.end;
        quoted = true;
      } else if (c === '"') {
        const close = text.indexOf('"', k + 1);
        const end = close < 0 ? text.length : close + 1;
        value += text.slice(k, end);
        k = end;
      } else if (c === ':') {
        const m = /^:(?:([A-Za-z0-9_]+)|'([A-Za-z0-9_]+)'|"([A-Za-z0-9_]+)")/.exec(text.slice(k));
        const name = m ? (m[1] ?? m[2] ?? m[3])! : undefined;
        const v = name === undefined ? undefined : variable(name);
        if (m && v !== undefined) {
          value += m[1] ? v : m[2] ? quoteLiteral(v).trimStart() : quoteIdent(v);
          k += m[0].length;
        } else {
          value += c;
          k++;
        }
      } else {
        value += c;
        k++;
      }
    }
    args.push({ value, quoted });
  }
  return args;
}

/** A name as SQL reads it: unquoted parts fold to lower case, quoted parts keep theirs. */
export function sqlName(arg: string): string {
  let out = '';
  let k = 0;
  while (k < arg.length) {
    if (arg[k] === '"') {
      let close = k + 1;
      for (;;) {
        close = arg.indexOf('"', close);
        if (close < 0 || arg[close + 1] !== '"') break;
        close += 2;
      }
      const end = close < 0 ? arg.length : close;
      out += arg.slice(k + 1, end).replace(/""/g, '"');
      k = end + 1;
    } else {
      out += arg[k]!.toLowerCase();
      k++;
    }
  }
  return out;
}
