// Checks a parsed JSON value against the subset of JSON Schema that devenv.schema.json uses, so the published
// schema is the one source of truth. Returns the first problem as "key.path: what is wrong", or null.
import { didYouMean } from '../util/nearest-word.js';
import { shown } from '../util/show.js';

export type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  propertyNames?: { pattern: string };
  required?: string[];
  enum?: unknown[];
  items?: Schema;
  oneOf?: Schema[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  description?: string;
};

/** `at.key`, or `at["key"]` (JSON) when the key has more than letters, digits and _ . $ -: a key is user text. */
export function keyPath(at: string, key: string): string {
  if (/^[A-Za-z0-9_.$-]+$/.test(key)) return at ? `${at}.${key}` : key;
  return `${at}[${shown(key)}]`;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(want: string, got: string): boolean {
  return want === got || (want === 'number' && got === 'integer');
}

function describe(v: unknown): string {
  const s = typeof v === 'string' ? shown(v) : JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

export function checkSchema(value: unknown, schema: Schema, at = ''): string | null {
  const where = at || '(top level)';
  if (schema.oneOf) {
    const ok = schema.oneOf.some((s) => checkSchema(value, s, at) === null);
    if (!ok) {
      // One alternative of the value's own type: its problem says more than "expected A or B".
      const sameType = schema.oneOf.filter((s) => s.type && [s.type].flat().some((w) => typeMatches(w, typeOf(value))));
      if (sameType.length === 1) return checkSchema(value, sameType[0]!, at);
      const kinds = schema.oneOf.map((s) => [s.type].flat().join(' or ')).join(' or ');
      return `${where}: expected ${kinds}, got ${describe(value)}`;
    }
    return null;
  }
  if (schema.enum && !schema.enum.includes(value)) {
    const words = schema.enum.filter((e): e is string => typeof e === 'string');
    const hint = typeof value === 'string' ? didYouMean(value, words) : '';
    const allowed = schema.enum.map((e) => JSON.stringify(e)).join(', ');
    return `${where}: must be one of ${allowed}, got ${describe(value)}${hint}`;
  }
  const got = typeOf(value);
  if (schema.type) {
    const wants = [schema.type].flat();
    if (!wants.some((w) => typeMatches(w, got))) {
      return `${where}: expected ${wants.join(' or ')}, got ${got} ${describe(value)}`;
    }
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum)
      return `${where}: must be at least ${schema.minimum}, got ${value}`;
    if (schema.maximum !== undefined && value > schema.maximum)
      return `${where}: must be at most ${schema.maximum}, got ${value}`;
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) return `${where}: must not be empty`;
    if (schema.maxLength !== undefined && Buffer.byteLength(value) > schema.maxLength) {
      return `${where}: must be at most ${schema.maxLength} bytes`;
    }
    if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) {
      return `${where}: ${describe(value)} is not ${schema.description ?? `of the form ${schema.pattern}`}`;
    }
  }
  if (got === 'array' && schema.items) {
    const arr = value as unknown[];
    for (let i = 0; i < arr.length; i++) {
      const err = checkSchema(arr[i], schema.items, `${at}[${i}]`);
      if (err) return err;
    }
  }
  if (got === 'object') return checkObject(value as Record<string, unknown>, schema, at);
  return null;
}

function checkObject(obj: Record<string, unknown>, schema: Schema, at: string): string | null {
  for (const key of schema.required ?? []) {
    if (!(key in obj)) return `${at || '(top level)'}: missing required key "${key}"`;
  }
  for (const [key, v] of Object.entries(obj)) {
    const path = keyPath(at, key);
    if (schema.propertyNames && !new RegExp(schema.propertyNames.pattern).test(key)) {
      return `${path}: invalid name (must match ${schema.propertyNames.pattern})`;
    }
    const prop = schema.properties?.[key];
    if (prop) {
      const err = checkSchema(v, prop, path);
      if (err) return err;
    } else if (schema.additionalProperties === false) {
      const known = Object.keys(schema.properties ?? {});
      const hint = didYouMean(key, known).replace(/^ \((.*)\)$/, ', $1');
      return `${path}: unknown key${hint}${known.length ? ` (known: ${known.join(', ')})` : ''}`;
    } else if (typeof schema.additionalProperties === 'object') {
      const err = checkSchema(v, schema.additionalProperties, path);
      if (err) return err;
    }
  }
  return null;
}
