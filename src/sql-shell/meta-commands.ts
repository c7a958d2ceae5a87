/**
 * The backslash commands of the built-in shell: each maps a name to what it does, in psql's words.
 * Describe commands (\d…, \l) and \copy have their own modules.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ScanEvent, SqlLexer } from '../postgres/sql-lexer.js';
import { connectionInfo, reconnectTo } from './connect-command.js';
import { runCopyCommand } from './copy-command.js';
import { runDescribe } from './describe.js';
import { META_HELP } from './help-text.js';
import type { LoopEnd } from './main-loop.js';
import { type Arg, splitArgs } from './meta-args.js';
import { applyPset, describeSetting, PsetError } from './pset.js';
import type { Shell } from './shell.js';
import { parseBool } from './variables.js';

export type MetaResult = 'ok' | 'error' | LoopEnd;

type Handler = (shell: Shell, args: Arg[], ctx: { lexer: SqlLexer; name: string; raw: string }) => Promise<MetaResult>;

const ok = async (): Promise<MetaResult> => 'ok';

function pset(shell: Shell, name: string, value: string | undefined): MetaResult {
  try {
    const shown = applyPset(shell.popt, name, value);
    if (shown) shell.info(describeSetting(shell.popt, shown));
    return 'ok';
  } catch (err) {
    if (!(err instanceof PsetError)) throw err;
    shell.error(err.message);
    return 'error';
  }
}

async function includeFile(shell: Shell, file: string | undefined, relative: boolean): Promise<MetaResult> {
  if (!file) {
    shell.error('\\i: missing required argument');
    return 'error';
  }
  const base = relative && shell.source?.name ? path.dirname(shell.source.name) : '';
  const resolved = base && !path.isAbsolute(file) ? path.join(base, file) : file;
  const { fileSource } = await import('./line-input.js');
  let text: string;
  try {
    text = readFileSync(resolved, 'utf8');
  } catch (err) {
    shell.error(`${resolved}: ${fileErrorText(err)}`);
    return 'error';
  }
  const { runSource } = await import('./main-loop.js');
  const end = await runSource(shell, fileSource(resolved, text));
  return end === 'eof' ? 'ok' : end;
}

export function fileErrorText(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === 'ENOENT') return 'No such file or directory';
  if (code === 'EACCES') return 'Permission denied';
  if (code === 'EISDIR') return 'Is a directory';
  return (err as Error).message;
}

async function sendBuffer(shell: Shell, lexer: SqlLexer): Promise<MetaResult> {
  const sql = lexer.pending !== '' ? lexer.pending : shell.lastQuery;
  lexer.reset();
  if (sql === '') return 'ok';
  return (await shell.sendQuery(sql)) ? 'ok' : 'error';
}

const HANDLERS: Record<string, Handler> = {
  q: async () => 'quit',
  quit: async () => 'quit',
  '?': async (shell) => {
    shell.io.out.write(META_HELP);
    return 'ok';
  },
  g: async (shell, args, { lexer }) => {
    if (args.length > 0) {
      shell.error('\\g with options or a file name is not supported by the built-in shell');
      return 'error';
    }
    return sendBuffer(shell, lexer);
  },
  p: async (shell, _args, { lexer }) => {
    const text = lexer.pending !== '' ? lexer.pending : shell.lastQuery;
    shell.io.out.write(text === '' ? 'Query buffer is empty.\n' : `${text}\n`);
    return 'ok';
  },
  r: async (shell, _args, { lexer }) => {
    lexer.reset();
    shell.info('Query buffer reset (cleared).');
    return 'ok';
  },
  x: async (shell, args) => pset(shell, 'expanded', args[0]?.value),
  t: async (shell, args) => pset(shell, 'tuples_only', args[0]?.value),
  a: async (shell) => pset(shell, 'format', shell.popt.format === 'aligned' ? 'unaligned' : 'aligned'),
  f: async (shell, args) => pset(shell, 'fieldsep', args[0]?.value),
  pset: async (shell, args) => {
    if (!args[0]) {
      for (const name of ['border', 'csv_fieldsep', 'expanded', 'fieldsep', 'footer', 'format', 'null'])
        shell.io.out.write(`${name.padEnd(24)} ${settingValue(shell, name)}\n`);
      for (const name of ['recordsep', 'tuples_only'])
        shell.io.out.write(`${name.padEnd(24)} ${settingValue(shell, name)}\n`);
      return 'ok';
    }
    return pset(shell, args[0].value, args[1]?.value);
  },
  timing: async (shell, args) => {
    const v = args[0] ? parseBool(args[0].value) : !shell.timing;
    if (v === undefined) {
      shell.error(`unrecognized value "${args[0]!.value}" for "\\timing": Boolean expected`);
      return 'error';
    }
    shell.timing = v;
    shell.info(`Timing is ${v ? 'on' : 'off'}.`);
    return 'ok';
  },
  echo: async (shell, args) => echo(shell, args, 'out'),
  qecho: async (shell, args) => echo(shell, args, 'out'),
  warn: async (shell, args) => echo(shell, args, 'err'),
  set: async (shell, args) => {
    if (args.length === 0) {
      for (const [k, v] of shell.vars.entries()) shell.io.out.write(`${k} = '${v}'\n`);
      return 'ok';
    }
    const name = args[0]!.value;
    if (!/^[A-Za-z0-9_]+$/.test(name)) {
      shell.error(`invalid variable name: "${name}"`);
      return 'error';
    }
    shell.vars.set(
      name,
      args
        .slice(1)
        .map((a) => a.value)
        .join(''),
    );
    return 'ok';
  },
  unset: async (shell, args) => {
    if (!args[0]) {
      shell.error('\\unset: missing required argument');
      return 'error';
    }
    shell.vars.unset(args[0].value);
    return 'ok';
  },
  i: async (shell, args) => includeFile(shell, args[0]?.value, false),
  include: async (shell, args) => includeFile(shell, args[0]?.value, false),
  ir: async (shell, args) => includeFile(shell, args[0]?.value, true),
  include_relative: async (shell, args) => includeFile(shell, args[0]?.value, true),
  c: async (shell, args) => reconnectTo(shell, args),
  connect: async (shell, args) => reconnectTo(shell, args),
  conninfo: async (shell) => {
    shell.io.out.write(`${connectionInfo(shell)}\n`);
    return 'ok';
  },
  copy: async (shell, _args, { raw }) => runCopyCommand(shell, raw),
  '!': async (_shell, _args, { raw }) => {
    const command = raw.trim() || process.env.SHELL || '/bin/sh';
    const r = spawnSync('/bin/sh', ['-c', command], { stdio: 'inherit' });
    return r.status === 0 ? 'ok' : 'error';
  },
  cd: async (shell, args) => {
    const dir = args[0]?.value ?? process.env.HOME ?? '/';
    try {
      process.chdir(dir);
      return 'ok';
    } catch (err) {
      shell.error(`\\cd: could not change directory to "${dir}": ${fileErrorText(err)}`);
      return 'error';
    }
  },
  encoding: async (shell) => {
    shell.io.out.write(`${shell.conn.params.get('client_encoding') ?? 'UTF8'}\n`);
    return 'ok';
  },
  h: async (shell) => helpUnavailable(shell),
  help: async (shell) => helpUnavailable(shell),
  '': ok,
};

function helpUnavailable(shell: Shell): Promise<MetaResult> {
  shell.io.out.write(
    'The built-in shell has no SQL syntax help; see https://www.postgresql.org/docs/current/sql-commands.html\n',
  );
  return ok();
}

function settingValue(shell: Shell, name: string): string {
  const p = shell.popt;
  const v: Record<string, string> = {
    border: '1',
    csv_fieldsep: `'${p.csvFieldSep}'`,
    expanded: p.expanded,
    fieldsep: `'${p.fieldSep}'`,
    footer: p.footer ? 'on' : 'off',
    format: p.format,
    null: `'${p.nullPrint}'`,
    recordsep: p.recordSep === '\n' ? "'\\n'" : `'${p.recordSep}'`,
    tuples_only: p.tuplesOnly ? 'on' : 'off',
  };
  return v[name] ?? '';
}

function echo(shell: Shell, args: Arg[], to: 'out' | 'err'): Promise<MetaResult> {
  let words = args.map((a) => a.value);
  let newline = '\n';
  if (args[0] && !args[0].quoted && args[0].value === '-n') {
    words = words.slice(1);
    newline = '';
  }
  (to === 'out' ? shell.io.out : shell.io.err).write(`${words.join(' ')}${newline}`);
  return ok();
}

export async function runMeta(shell: Shell, ev: ScanEvent & { kind: 'meta' }, lexer: SqlLexer): Promise<MetaResult> {
  const args = ev.name === 'copy' || ev.name === '!' ? [] : splitArgs(ev.args, (n) => shell.vars.get(n));
  const handler = HANDLERS[ev.name];
  if (handler) return handler(shell, args, { lexer, name: ev.name, raw: ev.args });
  if (/^(d|l|list)/.test(ev.name) && !/^(do)$/.test(ev.name)) {
    const r = await runDescribe(shell, ev.name, args);
    if (r !== null) return r ? 'ok' : 'error';
  }
  shell.error(`invalid command \\${ev.name}`);
  if (shell.source?.interactive) shell.io.err.write('Try \\? for help.\n');
  return 'error';
}
