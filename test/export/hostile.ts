// Hostile values for the export tests, and systemd itself as the reader of generated units: `systemd
// --test` loads units with its real parser and prints what it read (WorkingDirectory, Environment, the
// argv of each Exec line), and prints a warning for every line it could not take.
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runProcess } from '../helpers/project.js';
import { skipFor, which } from '../helpers/tools.js';

/** Values that may stand in a name or path (no control character). */
export const PRINTABLE: [string, string][] = [
  ['percent', '50% %n %%'],
  ['dollar', '$HOME $$ $1 $'],
  ['interpolation', '${HOME} ${ } {'],
  ['nix escapes', `'\${x}' ''\${x}'' ''' $\${x}`],
  ['quotes', `say "hi", it's`],
  ['backslashes', 'a\\b \\\\ \\n \\x41 \\;'],
  ['trailing backslash', 'end\\'],
  ['prefixes', '+-@!!:x'],
  ['comment', '#x ;y'],
  ['lone semicolon', ';'],
  ['spaces', 'two  spaces\u00a0and nbsp'],
  ['braces', '} {$HOME} {'],
  ['unicode', 'é ü 日本 🐘 \u2028'],
  ['substitution', '`id` $(id)'],
  ['unit line', 'x ExecStartPre=+/bin/sh -c id'],
];

/** The printable values a database or extension name can be: no surrounding space, at most 63 bytes. */
export const NAMES = PRINTABLE.map(([, v]) => v).filter((v) => v.trim() === v && Buffer.byteLength(v) <= 63);

/** Values only text fields take (a command, an env value): a line break and a tab mean something there. */
export const MULTILINE: [string, string][] = [
  ['line break', 'x\n[Service]\nExecStartPre=+/bin/sh -c "id > /root/owned"'],
  ['tab', 'a\tb'],
  ['trailing line break', 'end\\\n'],
];

/** Control characters no field takes except where said (tab and line break in text fields). */
export const CONTROL: [string, string][] = [
  ['carriage return', 'x\rExecStartPre=+/bin/true'],
  ['NUL', 'x\u0000y'],
  ['escape', 'x\u001b[31m'],
  ['DEL', 'x\u007f'],
  ['lone surrogate', 'x\ud800'],
];

const SYSTEMD = ['/lib/systemd/systemd', '/usr/lib/systemd/systemd'].find((f) => existsSync(f)) ?? null;

/**
 * The systemd manager, which loads units in test mode: skipped with the reason where it is missing
 * (with setpriv, which runs it as nobody under root), a failure in CI, whose .ci/run installs both.
 */
export function needSystemd(): void {
  const missing = !SYSTEMD ? 'systemd (/lib/systemd/systemd)' : !which('setpriv') ? 'setpriv' : null;
  if (missing) skipFor(`${missing} is not installed (Debian packages systemd, util-linux; .ci/run installs them)`);
}

export interface LoadedUnit {
  description: string;
  workingDirectory: string | undefined;
  /** The unit's part of the dump, for Environment lines (whose values are printed raw). */
  block: string;
  /** Each Exec* setting with the argv systemd stored (before it substitutes $NAME at start). */
  exec: { kind: string; argv: string[] }[];
}

/**
 * Loads `units` (files in `dir`) as systemd does at boot and returns what it read, and its warnings.
 * systemd refuses test mode as root, so root runs it as nobody (the directory must be readable).
 */
export async function loadUnits(
  dir: string,
  units: string[],
): Promise<{ units: Record<string, LoadedUnit>; warnings: string }> {
  writeFileSync(path.join(dir, 'devenv-hostile.target'), `[Unit]\nWants=${units.join(' ')}\n`, { mode: 0o644 });
  const argv = [SYSTEMD!, '--test', '--system', '--unit=devenv-hostile.target', '--no-pager'];
  const asNobody = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
  const all = [...asNobody, ...argv];
  const r = await runProcess(all[0]!, all.slice(1), {
    cwd: dir,
    env: { PATH: process.env.PATH, SYSTEMD_UNIT_PATH: `${dir}:`, SYSTEMD_LOG_LEVEL: 'warning', LANG: 'C.UTF-8' },
  });
  if (r.code !== 0) throw new Error(`systemd --test failed: ${r.stderr}`);
  const loaded: Record<string, LoadedUnit> = {};
  for (const unit of units) loaded[unit] = parseBlock(unitBlock(r.stdout, unit));
  // Only the warnings about our files: the host's own units may have theirs.
  const warnings = r.stderr
    .split('\n')
    .filter((l) => l.includes(dir))
    .join('\n');
  return { units: loaded, warnings };
}

function unitBlock(dump: string, unit: string): string {
  const start = dump.indexOf(`\t-> Unit ${unit}:\n`);
  if (start === -1) throw new Error(`systemd did not load ${unit}`);
  const end = dump.indexOf('\t-> Unit ', start + 1);
  return dump.slice(start, end === -1 ? undefined : end);
}

function parseBlock(block: string): LoadedUnit {
  const lines = block.split('\n');
  const field = (name: string) => lines.find((l) => l.startsWith(`\t\t${name}: `))?.slice(name.length + 4);
  const exec: LoadedUnit['exec'] = [];
  lines.forEach((l, i) => {
    const m = /^\t\t-> (Exec\w+):$/.exec(l);
    const command = lines[i + 1]?.match(/^\t\t\tCommand Line: (.*)$/s);
    if (m && command) exec.push({ kind: m[1]!, argv: decodeCommandLine(command[1]!) });
  });
  return { description: field('Description') ?? '', workingDirectory: field('WorkingDirectory'), block, exec };
}

const SIMPLE: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** systemd prints argv as shell-like words: "..." with C escapes (octal \NNN) where needed. */
export function decodeCommandLine(line: string): string[] {
  const words: string[] = [];
  let i = 0;
  const bytes: number[] = [];
  const flush = () => {
    words.push(Buffer.from(bytes).toString('utf8'));
    bytes.length = 0;
  };
  const push = (s: string) => bytes.push(...Buffer.from(s, 'utf8'));
  while (i < line.length) {
    if (line[i] === ' ') {
      i++;
      continue;
    }
    const quoted = line[i] === '"';
    if (quoted) i++;
    while (i < line.length && (quoted ? line[i] !== '"' : line[i] !== ' ')) {
      const c = line[i]!;
      if (c !== '\\') {
        const char = String.fromCodePoint(line.codePointAt(i)!);
        push(char);
        i += char.length;
        continue;
      }
      const e = line[i + 1]!;
      const octal = /^[0-7]{3}/.exec(line.slice(i + 1));
      if (octal) bytes.push(Number.parseInt(octal[0], 8));
      else push(SIMPLE[e] ?? e);
      i += octal ? 4 : 2;
    }
    if (quoted) i++;
    flush();
  }
  return words;
}

/**
 * The keys of a unit file's settings, in order, read the way systemd reads lines: a line ends at LF, CR
 * or NUL, comment lines are skipped, and a line ending in an odd number of backslashes joins the next.
 */
export function unitKeys(text: string): string[] {
  const keys: string[] = [];
  let pending = '';
  for (const raw of text.split(/\r\n|\n|\r|\0/)) {
    if (/^\s*[#;]/.test(raw)) continue;
    const line = pending + raw;
    if ((/\\*$/.exec(line)![0].length & 1) === 1) {
      pending = `${line.slice(0, -1)} `;
      continue;
    }
    pending = '';
    const l = line.trim();
    if (l !== '' && !l.startsWith('[')) keys.push(l.slice(0, l.indexOf('=')));
  }
  return keys;
}

/** What eval.nix returns as a module's config (the parts read here). */
export interface EvaluatedConfig {
  services: { postgresql: unknown };
  systemd: {
    services: Record<
      string,
      { script: string; environment: Record<string, string>; serviceConfig: Record<string, unknown> }
    >;
  };
}

/** The stub psql's records: its argument count, then that many arguments, NUL-terminated. */
export function splitCalls(out: string): string[][] {
  const parts = out.split('\0');
  const calls: string[][] = [];
  for (let i = 0; i < parts.length - 1; ) {
    const n = Number(parts[i]);
    calls.push(parts.slice(i + 1, i + 1 + n));
    i += n + 1;
  }
  return calls;
}
