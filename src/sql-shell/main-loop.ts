/**
 * Reads a source line by line (terminal, file, piped stdin), sends each statement when its semicolon
 * arrives and runs meta-commands, as psql's main loop does: the prompt shows the database, the
 * continuation state and the transaction state; ON_ERROR_STOP ends a script at the first error.
 */
import { SqlLexer } from '../postgres/sql-lexer.js';
import { runMeta } from './meta-commands.js';
import type { LineSource, Shell } from './shell.js';

/** How a source ended: its end, `\q`, an error under ON_ERROR_STOP, or a lost connection. */
export type LoopEnd = 'eof' | 'quit' | 'stop' | 'lost';

/** psql's prompt escapes: %/ database, %R state, %x transaction, %# superuser, %n user, %> port, %~, %%. */
export function expandPrompt(shell: Shell, template: string, state: string): string {
  const conn = shell.conn;
  const db = conn.target.database;
  return template.replace(/%(.)/g, (_, c: string) => {
    switch (c) {
      case '/':
        return db;
      case '~':
        return db === conn.user ? '~' : db;
      case 'R':
        return state;
      case 'x':
        return conn.txStatus === 'T' ? '*' : conn.txStatus === 'E' ? '!' : '';
      case '#':
        return conn.isSuperuser ? '#' : '>';
      case 'n':
        return conn.user;
      case '>':
        return String(conn.target.port);
      case 'M':
      case 'm':
        return '[local]';
      case 'p':
        return String((conn.client as unknown as { processID: number }).processID);
      case '%':
        return '%';
      default:
        return '';
    }
  });
}

/** Run every line of `source`; meta-commands that read files (\i) call back into this. */
export async function runSource(shell: Shell, source: LineSource): Promise<LoopEnd> {
  const outer = shell.source;
  shell.source = source;
  try {
    return await loop(shell, source);
  } finally {
    shell.source = outer;
  }
}

async function loop(shell: Shell, source: LineSource): Promise<LoopEnd> {
  const lexer = new SqlLexer((name) => shell.vars.get(name));
  const stopOnError = () => shell.vars.bool('ON_ERROR_STOP');
  for (;;) {
    let prompt = '';
    if (source.interactive) {
      const pending = lexer.pending !== '';
      const template = shell.vars.get(pending ? 'PROMPT2' : 'PROMPT1') ?? '';
      prompt = expandPrompt(shell, template, pending ? lexer.promptChar : '=');
    }
    const line = await source.next(prompt);
    if (line === null) break;
    if (shell.cancelled) {
      // Ctrl-C at the prompt: the statement typed so far is dropped
      shell.cancelled = false;
      lexer.reset();
      if (!source.interactive) return 'stop';
    }
    if (shell.vars.get('ECHO') === 'all' && !source.interactive) shell.io.out.write(`${line}\n`);
    if (source.interactive && lexer.pending === '' && /^\s*(help|quit|exit)\s*;?\s*$/i.test(line)) {
      const word = line.trim().replace(/;$/, '').toLowerCase();
      if (word === 'help') shell.io.out.write(HELP_WORD);
      else return 'quit';
      continue;
    }
    for (const ev of lexer.line(line)) {
      let ok: boolean;
      if (ev.kind === 'statement') {
        ok = await shell.sendQuery(ev.sql);
      } else {
        const r = await runMeta(shell, ev, lexer);
        if (r === 'quit' || r === 'stop' || r === 'lost') return r;
        ok = r === 'ok';
      }
      if (!shell.conn.alive) {
        if (!source.interactive) return 'lost';
        await reconnect(shell);
      }
      if (!ok && stopOnError() && !source.interactive) return 'stop';
    }
  }
  // At the end of a script an unfinished statement still runs, as in psql.
  if (!source.interactive && lexer.pending.trim() !== '') {
    const ok = await shell.sendQuery(lexer.pending);
    if (!shell.conn.alive) return 'lost';
    if (!ok && stopOnError()) return 'stop';
  } else if (source.interactive && !shell.quiet) {
    shell.io.out.write('\\q\n');
  }
  return 'eof';
}

/** An interactive session whose connection dropped tries once to connect again, as psql does. */
async function reconnect(shell: Shell): Promise<void> {
  const { Connection } = await import('./connection.js');
  shell.io.err.write('The connection to the server was lost. Attempting reset: ');
  try {
    const conn = await Connection.open(shell.conn.target);
    shell.replaceConnection(conn);
    shell.io.err.write('Succeeded.\n');
  } catch {
    shell.io.err.write('Failed.\n');
  }
}

const HELP_WORD =
  'You are using the built-in SQL shell of devenv psql (no psql client was found).\n' +
  'Type:  \\? for help with meta-commands\n' +
  '       \\g or terminate with semicolon to execute query\n' +
  '       \\q to quit\n';
