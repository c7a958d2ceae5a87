/**
 * psql's name patterns (documented under "Patterns" in the psql manual): `*` any text, `?` one character,
 * `.` between schema and name, letters fold to lower case unless double-quoted, and inside double quotes
 * everything is literal. A pattern turns into anchored regular-expression matches on the name columns.
 */
import { literal } from '../postgres/sql-client.js';

export interface NamePattern {
  /** Anchored regex for the schema part, when the pattern has one. */
  schema?: string;
  name?: string;
}

const REGEX_SPECIAL = /[\\^$.|+()[\]{}*?]/;

function escapeLiteral(c: string): string {
  return REGEX_SPECIAL.test(c) ? `\\${c}` : c;
}

/** Split at unquoted dots and turn each part into a regular expression. */
export function parsePattern(pattern: string): NamePattern {
  const parts: string[] = [''];
  let inQuotes = false;
  for (let k = 0; k < pattern.length; k++) {
    const c = pattern[k]!;
    if (c === '"') {
      if (inQuotes && pattern[k + 1] === '"') {
        parts[parts.length - 1] += '"';
        k++;
      } else inQuotes = !inQuotes;
    } else if (inQuotes) {
      parts[parts.length - 1] += escapeLiteral(c);
    } else if (c === '.') {
      parts.push('');
    } else if (c === '*') {
      parts[parts.length - 1] += '.*';
    } else if (c === '?') {
      parts[parts.length - 1] += '.';
    } else if (c === '$') {
      parts[parts.length - 1] += '\\$';
    } else {
      parts[parts.length - 1] += c.toLowerCase();
    }
  }
  const anchor = (p: string) => (p === '' || p === '.*' ? undefined : `^(${p})$`);
  if (parts.length === 1) return { name: anchor(parts[0]!) };
  return { schema: anchor(parts[parts.length - 2]!), name: anchor(parts[parts.length - 1]!) };
}

export interface PatternColumns {
  name: string;
  schema?: string;
  /** A visibility test (pg_table_is_visible…) used when the pattern names no schema. */
  visible?: string;
}

/**
 * SQL conditions for a pattern (or none): the name and schema matches, the search-path visibility test
 * when no schema is named.
 */
export function patternConditions(pattern: string | undefined, cols: PatternColumns): string[] {
  const out: string[] = [];
  if (pattern === undefined) {
    if (cols.visible) out.push(cols.visible);
    return out;
  }
  const p = parsePattern(pattern);
  if (p.name) out.push(`${cols.name} OPERATOR(pg_catalog.~) ${literal(p.name)} COLLATE pg_catalog.default`);
  if (cols.schema && p.schema)
    out.push(`${cols.schema} OPERATOR(pg_catalog.~) ${literal(p.schema)} COLLATE pg_catalog.default`);
  else if (cols.visible && !pattern.includes('.')) out.push(cols.visible);
  return out;
}

/** Does the pattern name a schema (then system schemas are not hidden)? */
export function namesSchema(pattern: string | undefined): boolean {
  return pattern !== undefined && parsePattern(pattern).schema !== undefined;
}
