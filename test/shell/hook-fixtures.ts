// What the shell hook tests (hooks.test.ts) set up in each sandbox: the rc file that loads the hook, the
// projects to walk through, and the hostile and dangerous .env lines one of them holds.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Sandbox, ShellName } from './tmux.js';

export const PG_KEYS = ['PGDATA', 'PGHOST', 'PGPORT', 'PGUSER', 'PGDATABASE', 'DATABASE_URL'];

// Every construct that could run code or lose bytes on the way into a shell variable.
export const HOSTILE = [
  'SQ=\'single $(touch PWNED1) `touch PWNED2` "dq" \\\\ \\n end\'',
  'DQ="line1\\nline2 \'sq\' $(touch PWNED3) ${HOME} \\\\ back"',
  "BT=`a'\\''b \"c\" $(touch PWNED4)`",
  'UNQ=plain $(touch PWNED5); semicolons | pipes & amp',
  'EMPTY=',
  'UTF=héllo wörld ☃ 日本',
  "TRAIL='  spaces kept  '",
  'DASHN=-n',
  'PCT=%s%n%% \\x41',
  'MULTI="real',
  'multiline $(touch PWNED6) `x`"',
  "HASH='#not a comment'",
].join('\n');

// Keys an allowed .env still must not set.
const DANGEROUS = [
  'PATH=/evil',
  'PROMPT_COMMAND=touch PWNED7',
  'NODE_OPTIONS=--require /evil.js',
  'LD_PRELOAD=/evil.so',
  'BASH_ENV=/evil',
  'PS1=pwned> ',
  'ZDOTDIR=/evil',
  'fish_function_path=/evil',
  'NULLCMD=touch',
  'IFS=x',
].join('\n');

export function rcFiles(shell: ShellName, sb: Sandbox): void {
  const counting = path.join(sb.bin, 'node');
  if (shell === 'bash') {
    writeFileSync(
      path.join(sb.home, '.bashrc'),
      [
        'set -u', // the hook must work under nounset
        "PS1='[$?] PROMPT> '",
        'user_pc() { :; }',
        'PROMPT_COMMAND=(user_pc)', // array form (bash 5.1+)
        'export PGPORT=1111',
        'eval "$(devenv hook bash)"',
        'eval "$(devenv hook bash)"', // .bashrc sourced twice
        `__pgres_node='${counting}'`,
        '',
      ].join('\n'),
    );
  } else if (shell === 'zsh') {
    writeFileSync(
      path.join(sb.home, '.zshrc'),
      [
        "PROMPT='[%?] PROMPT> '",
        'export PGPORT=1111',
        'eval "$(devenv hook zsh)"',
        'eval "$(devenv hook zsh)"',
        `__pgres_node='${counting}'`,
        '',
      ].join('\n'),
    );
  } else {
    const dir = path.join(sb.home, '.config', 'fish');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'config.fish'),
      [
        "set -g fish_greeting ''",
        "function fish_prompt; printf '[%s] PROMPT> ' $status; end",
        'set -gx PGPORT 1111',
        'devenv hook fish | source',
        'devenv hook fish | source',
        `set -g __pgres_node '${counting}'`,
        '',
      ].join('\n'),
    );
  }
}

export function projects(sb: Sandbox) {
  const p = (...parts: string[]) => path.join(sb.dir, ...parts);
  mkdirSync(p('a', 'sub', 'deeper'), { recursive: true });
  writeFileSync(p('a', 'devenv.json'), '{}\n');
  writeFileSync(p('a', '.env'), 'FOO=from-a\nSHARED=a\n');
  mkdirSync(p('b', 'inner', '.pgres'), { recursive: true }); // nested project found through .pgres alone
  writeFileSync(p('b', 'devenv.json'), '{"postgres":{"database":"bee"}}\n');
  mkdirSync(p('plain'));
  mkdirSync(p('hostile'));
  writeFileSync(p('hostile', 'devenv.json'), '{}\n');
  writeFileSync(p('hostile', '.env'), `${HOSTILE}\n${DANGEROUS}\n`);
  mkdirSync(p('bad'));
  writeFileSync(p('bad', 'devenv.json'), '{"postgres": {"version": "fifteen"}}\n');
  return p;
}
