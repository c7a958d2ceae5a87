// Control characters in devenv.json text, decided per field at load. The values end up in places that
// are read line by line (unit files, Nix modules, postgresql identifiers, the terminal), and in most
// fields such a character cannot mean anything useful: it is refused there, with one line naming the key.

import { shown } from '../util/show.js';
import { keyPath } from './schema-check.js';

/** What a field may hold: `name` takes no control character, `text` takes tab and line break too. */
type Rule = 'name' | 'text';

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we look for
const CONTROL = /[\u0000-\u001f\u007f]/;
// With the u flag a surrogate pair is one code point: only an unpaired half matches.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

const NAMES: Record<string, string> = { '\n': 'line break', '\r': 'carriage return', '\t': 'tab', '\0': 'NUL' };

/** "a control character (line break, \u000a)". */
function describeChar(c: string): string {
  const code = `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  return `a control character (${NAMES[c] ? `${NAMES[c]}, ` : ''}${code})`;
}

/** The value as JSON, cut after the character at `at` when it is long. */
function cut(value: string, at: number): string {
  return value.length <= 60 ? shown(value) : `${shown(value.slice(0, Math.max(at + 12, 40)))}…`;
}

/** Why `value` cannot stand in a field of this rule, or null. */
export function textProblem(value: string, rule: Rule): string | null {
  const surrogate = LONE_SURROGATE.exec(value);
  if (surrogate) return `${cut(value, surrogate.index)} has half a surrogate pair, which is not Unicode text`;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (!CONTROL.test(c) || (rule === 'text' && (c === '\t' || c === '\n'))) continue;
    const what = describeChar(c);
    return rule === 'text'
      ? `${cut(value, i)} contains ${what}; of those only tab and line break are taken here: remove it`
      : `${cut(value, i)} contains ${what}, which no name or path here can hold: remove it`;
  }
  return null;
}

interface RawProcess {
  command?: unknown;
  cwd?: unknown;
  env?: Record<string, unknown>;
  watch?: unknown;
}

interface RawConfig {
  postgres?: { binaries?: unknown; runAs?: unknown; extensions?: unknown; setup?: unknown };
  processes?: Record<string, RawProcess>;
  watch?: { paths?: unknown; ignore?: unknown };
}

/** [where, value, rule] for every checked string of a schema-valid config. */
function* checkedStrings(config: RawConfig): Generator<[string, unknown, Rule]> {
  const list = function* (where: string, values: unknown, rule: Rule): Generator<[string, unknown, Rule]> {
    if (Array.isArray(values)) for (const [i, v] of values.entries()) yield [`${where}[${i}]`, v, rule];
  };
  // Commands are sh scripts: a line break separates commands and a tab is blank, so both stay.
  // Paths, names and patterns hold no control character that could mean anything.
  for (const [name, p] of Object.entries(config.processes ?? {})) {
    const at = keyPath('processes', name);
    yield [`${at}.command`, p.command, 'text'];
    yield [`${at}.cwd`, p.cwd, 'name'];
    yield* list(`${at}.watch`, p.watch, 'name');
    for (const [key, value] of Object.entries(p.env ?? {})) {
      yield [`${at}.env`, key, 'name'];
      // A value may be several lines (a certificate, say); other control characters are no use there.
      yield [keyPath(`${at}.env`, key), value, 'text'];
    }
  }
  yield* list('watch.paths', config.watch?.paths, 'name');
  yield* list('watch.ignore', config.watch?.ignore, 'name');
  const pg = config.postgres ?? {};
  yield ['postgres.binaries', pg.binaries, 'name'];
  yield ['postgres.runAs', pg.runAs, 'name'];
  if (Array.isArray(pg.setup)) {
    for (const [i, step] of pg.setup.entries()) {
      if (typeof step === 'string') yield [`postgres.setup[${i}]`, step, 'name'];
      else yield [`postgres.setup[${i}].command`, (step as { command?: unknown }).command, 'text'];
    }
  }
  // postgres.database, databases, role and extensions are identifiers: identifierProblem checks them.
  // postgres.settings values are not checked: postgres takes them as one -c argument, never from a file
  // we write, and no export carries them.
}

/** The first control character where it is refused, as "where: problem", or null. */
export function configTextProblem(config: RawConfig): string | null {
  for (const [where, value, rule] of checkedStrings(config)) {
    if (typeof value !== 'string') continue;
    const problem = textProblem(value, rule);
    if (problem) return `${where}: ${problem}`;
  }
  return null;
}
