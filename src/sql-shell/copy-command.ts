/**
 * \copy: a COPY whose file is on the client side. `\copy TABLE [(COLS)] | (QUERY)  from|to  'FILE' |
 * stdin | stdout | pstdin | pstdout | program 'CMD'  [OPTIONS]` becomes `COPY … FROM STDIN` / `TO STDOUT`
 * with the same options, and the data flows between the server and the file, the input or a program.
 */
import { spawn } from 'node:child_process';
import { closeSync, createReadStream, openSync, writeSync } from 'node:fs';
import type { Sink } from '../util/terminal.js';
import { fileErrorText, type MetaResult } from './meta-commands.js';
import { copyLines, type Shell } from './shell.js';

interface CopySpec {
  /** Table (with columns) or (query), as written. */
  what: string;
  direction: 'from' | 'to';
  target: { kind: 'file' | 'program'; value: string } | { kind: 'stdin' | 'stdout' | 'pstdin' | 'pstdout' };
  options: string;
}

/** The offset of a top-level word `from` or `to` (outside quotes and parentheses), or -1. */
function findDirection(text: string): { at: number; word: 'from' | 'to' } | null {
  let depth = 0;
  for (let k = 0; k < text.length; k++) {
    const c = text[k]!;
    if (c === "'" || c === '"') {
      const close = text.indexOf(c, k + 1);
      k = close < 0 ? text.length : close;
    } else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && /\s/.test(c)) {
      const m = /^\s(from|to)\s/i.exec(text.slice(k));
      if (m) return { at: k + 1, word: m[1]!.toLowerCase() as 'from' | 'to' };
    }
  }
  return null;
}

/** A quoted ('…', '' for a quote) or bare word at the start of `text`, and the rest after it. */
function word(text: string): { value: string; rest: string } | null {
  const t = text.trimStart();
  if (t.startsWith("'")) {
    let k = 1;
    let value = '';
    while (k < t.length) {
      if (t[k] === "'" && t[k + 1] === "'") {
        value += "'";
        k += 2;
      } else if (t[k] === "'") return { value, rest: t.slice(k + 1) };
      else value += t[k++];
    }
    return null;
  }
  const m = /^\S+/.exec(t);
  return m ? { value: m[0], rest: t.slice(m[0].length) } : null;
}

export function parseCopy(args: string): CopySpec | null {
  const dir = findDirection(` ${args.trim()} `);
  if (!dir) return null;
  const text = ` ${args.trim()} `;
  const what = text.slice(0, dir.at).trim();
  const after = word(text.slice(dir.at + dir.word.length));
  if (!what || !after) return null;
  let target: CopySpec['target'];
  let rest = after.rest;
  const bare = after.value.toLowerCase();
  if (bare === 'program') {
    const cmd = word(rest);
    if (!cmd) return null;
    target = { kind: 'program', value: cmd.value };
    rest = cmd.rest;
  } else if (['stdin', 'stdout', 'pstdin', 'pstdout'].includes(bare) && !text.slice(dir.at).includes("'")) {
    target = { kind: bare as 'stdin' };
  } else {
    target = { kind: 'file', value: after.value };
  }
  return { what, direction: dir.word, target, options: rest.trim() };
}

async function* programOutput(command: string): AsyncGenerator<Buffer> {
  const child = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', 'pipe', 'inherit'] });
  for await (const chunk of child.stdout) yield chunk as Buffer;
}

function fileSink(fd: number): Sink {
  return { write: (text: string) => void writeSync(fd, text) };
}

export async function runCopyCommand(shell: Shell, args: string): Promise<MetaResult> {
  const spec = parseCopy(args);
  if (!spec) {
    shell.error('\\copy: parse error at end of line');
    return 'error';
  }
  const ends = spec.direction === 'from' ? 'FROM STDIN' : 'TO STDOUT';
  const sql = `COPY ${spec.what} ${ends}${spec.options ? ` ${spec.options}` : ''}`;
  const t = spec.target;
  if (spec.direction === 'from') {
    let source: () => AsyncIterable<Buffer | string>;
    if (t.kind === 'file') {
      let fd: number;
      try {
        fd = openSync(t.value, 'r');
      } catch (err) {
        shell.error(`${t.value}: ${fileErrorText(err)}`);
        return 'error';
      }
      source = () => createReadStream('', { fd });
    } else if (t.kind === 'program') source = () => programOutput(t.value);
    else if (t.kind === 'pstdin') source = () => copyLines(shell.stdinSource(), '>> ');
    else source = () => copyLines(shell.source ?? shell.stdinSource(), '>> ');
    return (await shell.sendQuery(sql, source)) ? 'ok' : 'error';
  }
  if (t.kind === 'file' || t.kind === 'program') {
    let fd: number;
    let child: ReturnType<typeof spawn> | null = null;
    try {
      if (t.kind === 'file') fd = openSync(t.value, 'w');
      else {
        child = spawn('/bin/sh', ['-c', t.value], { stdio: ['pipe', 'inherit', 'inherit'] });
        fd = -1;
      }
    } catch (err) {
      shell.error(`${t.kind === 'file' ? t.value : 'program'}: ${fileErrorText(err)}`);
      return 'error';
    }
    const sink: Sink = child ? { write: (text) => void child.stdin!.write(text) } : fileSink(fd);
    try {
      return (await shell.sendQuery(sql, undefined, sink)) ? 'ok' : 'error';
    } finally {
      if (child) {
        child.stdin!.end();
        await new Promise((r) => child.on('close', r));
      } else closeSync(fd);
    }
  }
  return (await shell.sendQuery(sql)) ? 'ok' : 'error';
}
