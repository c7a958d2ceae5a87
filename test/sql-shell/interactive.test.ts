// The built-in shell on a real terminal (tmux): prompts like psql's, statements over several lines, Ctrl-C
// cancelling a running query (a real cancel request) or dropping what was typed, history kept across
// sessions, Ctrl-D ending the session. Every tmux server and shell is proven gone afterwards.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findProcesses } from '../helpers/proc.js';
import { baseEnv, CLI, cleanupProject, devenv, tempDir, waitFor } from '../helpers/project.js';
import { PrivateTmux } from '../helpers/tmux.js';
import { needForEach } from '../helpers/tools.js';

/** `devenv psql --builtin` in a private tmux server; the pane ends with a marker carrying the exit code. */
class Session {
  private readonly server = new PrivateTmux('sqlshell');

  constructor(dir: string, env: Record<string, string>, args: string[] = []) {
    const quoted = [CLI, 'psql', '--builtin', ...args].map((a) => `'${a}'`).join(' ');
    this.server.start(dir, env, ['/bin/sh', '-c', `${quoted}; echo "__EXIT_$?__"; exec sleep 600`], 200);
  }

  get socket(): string {
    return this.server.socket;
  }

  /** The pane's text, without the empty rows below the cursor. */
  screen(): string {
    return this.server.capture().replace(/\n+$/, '');
  }

  type(text: string): void {
    // tmux reads an argument's trailing ";" as its own command separator: escape it.
    this.server.sendKeys('-l', text.endsWith(';') ? `${text.slice(0, -1)}\\;` : text);
  }

  key(...keys: string[]): void {
    this.server.sendKeys(...keys);
  }

  /** Wait until the screen (after what was there at `from` characters) matches. */
  async waitFor(pattern: RegExp, what: string, from = 0): Promise<string> {
    let text = '';
    await waitFor(
      () => {
        text = this.screen().slice(from);
        return pattern.test(text);
      },
      what,
      { timeoutMs: 20000, stepMs: 25, detail: () => `screen:\n${text}` },
    );
    return text;
  }

  /** Type a line, press Enter, and wait for `until` to show up after it. */
  async line(text: string, until: RegExp): Promise<string> {
    const from = this.screen().length;
    this.type(text);
    this.key('Enter');
    return this.waitFor(until, `after "${text}"`, from);
  }

  kill(): void {
    this.server.kill();
  }
}

describe('the built-in shell on a terminal', () => {
  const ready = needForEach('tmux');
  let dir: string;
  let db: string;
  let env: Record<string, string>;
  const sessions: Session[] = [];
  const open = async (args: string[] = []) => {
    const s = new Session(dir, env, args);
    sessions.push(s);
    await s.waitFor(/Type "help" for help\.\n\n\S+=[#>] $/, 'the banner and first prompt');
    return s;
  };

  beforeAll(async () => {
    if (!ready) return;
    dir = tempDir('sql-shell-tty');
    writeFileSync(path.join(dir, 'devenv.json'), JSON.stringify({ postgres: { binaries: 'system', role: 'app' } }));
    const up = await devenv(dir, ['up', '-d']);
    expect(up.code, up.stderr).toBe(0);
    const vars = JSON.parse((await devenv(dir, ['env', '--shell', 'json'])).stdout) as Record<string, string>;
    db = vars.PGDATABASE!;
    // What devenv() gives its children (cache, state dir, no spares), plus a terminal and a history file.
    const base = baseEnv();
    env = {
      PATH: base.PATH ?? '',
      PGRES_CACHE_DIR: base.PGRES_CACHE_DIR ?? '',
      PGRES_NO_SPARES: '1',
      XDG_STATE_HOME: base.XDG_STATE_HOME ?? '',
      HOME: dir,
      TERM: 'xterm-256color',
      LANG: 'C.UTF-8',
      PSQL_HISTORY: path.join(dir, 'history'),
    };
  });

  afterAll(async () => {
    if (!ready) return;
    for (const s of sessions) s.kill();
    await devenv(dir, ['down']);
    // The tmux servers, the shells in them and anything else started in the project dir must be gone.
    const sockets = sessions.map((s) => s.socket);
    const left = () => findProcesses((p) => sockets.some((s) => p.cmdline().includes(s)) || p.cwd() === dir);
    await waitFor(() => left().length === 0, 'the sessions to be gone', { detail: () => left().join(' ') });
    expect(await cleanupProject(dir)).toEqual([]);
  });

  it('prompts like psql, continues statements over lines, cancels with Ctrl-C, exits on Ctrl-D', async () => {
    const s = await open();
    await s.line('select 1 +', new RegExp(`${db}-# $`));
    await s.line('2 as three;', new RegExp(`three \\n-------\\n     3\\n\\(1 row\\)\\n\\n${db}=# $`));
    await s.line("select 'it''s", new RegExp(`${db}'# $`));
    await s.line("';", new RegExp(`\\(1 row\\)\\n\\n${db}=# $`));
    await s.line('begin;', new RegExp(`BEGIN\\n${db}=\\*# $`));
    await s.line('select 1/0;', new RegExp(`division by zero\\n${db}=!# $`));
    await s.line('rollback;', new RegExp(`ROLLBACK\\n${db}=# $`));

    // Ctrl-C while a query runs: a cancel request, the server's error, and the session goes on.
    const from = s.screen().length;
    s.type('select pg_sleep(30);');
    s.key('Enter');
    const sleeping = async () =>
      (
        await devenv(dir, [
          'psql',
          '--builtin',
          '-XAtc',
          "select count(*) from pg_stat_activity where state = 'active' and query = 'select pg_sleep(30);'",
        ])
      ).stdout.trim();
    await waitFor(async () => (await sleeping()) === '1', 'the query to run', { timeoutMs: 20000, stepMs: 100 });
    s.key('C-c');
    await s.waitFor(
      new RegExp(`Cancel request sent\\nERROR:  canceling statement due to user request\\n${db}=# $`),
      'the cancelled query',
      from,
    );
    expect(await sleeping()).toBe('0');

    // Ctrl-C at the prompt drops the line typed so far, and a statement begun on earlier lines.
    s.type("select 'abandoned'");
    s.key('C-c');
    await s.waitFor(new RegExp(`select 'abandoned'\\^C\\n${db}=# $`), 'a fresh prompt');
    await s.line('select 4 +', new RegExp(`${db}-# $`));
    s.key('C-c');
    await s.waitFor(new RegExp(`\\^C\\n${db}=# $`), 'a fresh prompt after a continued line');
    const after = await s.line('select 5 as five;', new RegExp(`\\(1 row\\)\\n\\n${db}=# $`));
    expect(after).toContain(' five \n------\n    5\n');

    // COPY … FROM STDIN on a terminal: rows at the >> prompt; Ctrl-C there fails the COPY, nothing is loaded.
    await s.line('create temp table rows (a int);', new RegExp(`CREATE TABLE\\n${db}=# $`));
    await s.line(
      'copy rows from stdin;',
      /End with a backslash and a period on a line by itself, or an EOF signal\.\n>> $/,
    );
    await s.line('1', /1\n>> $/);
    await s.line('\\.', new RegExp(`COPY 1\\n${db}=# $`));
    await s.line('copy rows from stdin;', /\n>> $/);
    await s.line('2', /2\n>> $/);
    s.key('C-c');
    await s.waitFor(new RegExp(`ERROR:  COPY from stdin failed: canceled by user\\n.*\\n${db}=# $`), 'the failed COPY');
    await s.line('select sum(a) from rows;', / sum \n-+\n +1\n\(1 row\)/);

    s.key('C-d');
    await s.waitFor(new RegExp(`${db}=# \\\\q\\n__EXIT_0__`), 'the session to end');
  });

  it('keeps history across sessions; a role that is not superuser gets the => prompt', async () => {
    const s = await open(['--as-app']);
    await s.waitFor(new RegExp(`${db}=> $`), 'the prompt of the app role');
    await s.line('select current_user as who;', /\(1 row\)\n\n\S+=> $/);
    s.key('C-d');
    await s.waitFor(/__EXIT_0__/, 'the session to end');
    expect(existsSync(path.join(dir, 'history'))).toBe(true);
    expect(readFileSync(path.join(dir, 'history'), 'utf8')).toContain('select current_user as who;\n');

    const t = await open();
    t.key('Up');
    await t.waitFor(new RegExp(`${db}=# select current_user as who;$`), 'the last line of the earlier session');
    t.key('Enter');
    const out = await t.waitFor(/ who +\n-+\n (\S+)\n\(1 row\)/, 'the recalled query to run');
    expect(out).not.toContain(' app\n'); // this session is the superuser
    t.type('\\q');
    t.key('Enter');
    await t.waitFor(/__EXIT_0__/, 'the session to end on \\q');
  });
});
