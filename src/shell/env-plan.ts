/**
 * What entering a project sets. Leaving is done by the hook itself in pure shell (it must work without
 * a process): it restores a key only while the key still holds the value we set, so hand edits survive.
 */

/** Variables a shell reads as code or configuration, or that loaders and our own node obey. */
const BLOCKED = new Set([
  // the list
  'PROMPT_COMMAND',
  'PS0',
  'PS1',
  'PS2',
  'PS3',
  'PS4',
  'BASH_ENV',
  'ENV',
  'ZDOTDIR',
  'SHELLOPTS',
  'BASHOPTS',
  'IFS',
  'LD_PRELOAD',
  'LD_LIBRARY_PATH',
  'NODE_OPTIONS',
  'PATH',
  // bash: expanded or obeyed by the shell itself
  'BASH',
  'BASHPID',
  'CDPATH',
  'GLOBIGNORE',
  'EXECIGNORE',
  'FIGNORE',
  'HOSTFILE',
  'INPUTRC',
  'MAIL',
  'MAILPATH',
  'MAILCHECK',
  'POSIXLY_CORRECT',
  'PROMPT_DIRTRIM',
  'TMOUT',
  'HISTFILE',
  'HISTSIZE',
  'HISTFILESIZE',
  'HISTCONTROL',
  'HISTIGNORE',
  'HISTTIMEFORMAT',
  'HISTCMD',
  'UID',
  'EUID',
  'PPID',
  'GROUPS',
  'SHLVL',
  'RANDOM',
  'SRANDOM',
  'SECONDS',
  'LINENO',
  'EPOCHREALTIME',
  'EPOCHSECONDS',
  'OPTIND',
  'OPTARG',
  'OPTERR',
  'DIRSTACK',
  'PIPESTATUS',
  'FUNCNAME',
  'REPLY',
  '_',
  // zsh: prompts, autoload paths, commands run for bare redirections, tied arrays
  'PROMPT',
  'PROMPT2',
  'PROMPT3',
  'PROMPT4',
  'RPROMPT',
  'RPROMPT2',
  'RPS1',
  'RPS2',
  'SPROMPT',
  'NULLCMD',
  'READNULLCMD',
  'FPATH',
  'fpath',
  'path',
  'cdpath',
  'manpath',
  'module_path',
  'MODULE_PATH',
  'psvar',
  'PSVAR',
  'prompt',
  'watch',
  'WATCH',
  'mailpath',
  'histchars',
  'HISTCHARS',
  'SAVEHIST',
  'HISTORY_IGNORE',
  'KEYTIMEOUT',
  'argv',
  'ARGC',
  'status',
  'pipestatus',
  'TRAPDEBUG',
  'TRAPEXIT',
  'TRAPZERR',
  // fish: read-only or electric
  'history',
  'umask',
  'version',
  'hostname',
  'CMD_DURATION',
  'COLUMNS',
  'LINES',
  // everyone
  'HOME',
  'SHELL',
  'PWD',
  'OLDPWD',
  'TERM',
  'NODE_EXTRA_CA_CERTS',
  'XDG_DATA_HOME',
  'XDG_CACHE_HOME',
]);

const BLOCKED_PREFIXES = [
  'LD_',
  'DYLD_',
  'BASH_',
  'ZSH_',
  'COMP_',
  'fish_',
  'FISH_',
  '__fish',
  'PGRES_',
  '__PGRES',
  '__pgres',
];

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isShellName(key: string): boolean {
  return NAME.test(key);
}

/** Keys an allowed .env still may not set in an interactive shell. */
export function isBlockedKey(key: string): boolean {
  return BLOCKED.has(key) || BLOCKED_PREFIXES.some((p) => key.startsWith(p));
}

export type DotenvState =
  | { status: 'absent' }
  | { status: 'unreadable'; message: string }
  | { status: 'untrusted'; count: number }
  | { status: 'changed'; changed: string[] }
  | { status: 'trusted'; values: Record<string, string> };

export interface EnvPlan {
  keys: string[];
  values: string[];
  notes: string[];
}

export function planEnvironment(contract: Record<string, string>, dotenv: DotenvState, envFile = '.env'): EnvPlan {
  const keys = Object.keys(contract);
  const values = keys.map((k) => contract[k]);
  const notes: string[] = [];
  switch (dotenv.status) {
    case 'absent':
      break;
    case 'unreadable':
      notes.push(`devenv: ${dotenv.message}`);
      break;
    case 'untrusted':
      notes.push(
        `devenv: ${envFile} is not allowed (${dotenv.count} key${dotenv.count === 1 ? '' : 's'} not loaded): ` +
          'run `devenv allow` to trust it',
      );
      break;
    case 'changed': {
      const what = dotenv.changed.length ? dotenv.changed.join(', ') : 'no key changed, only its text';
      notes.push(
        `devenv: ${envFile} changed since \`devenv allow\` (${what}): not loaded until you run \`devenv allow\` again`,
      );
      break;
    }
    case 'trusted': {
      const { blocked, invalid, shadowed, accepted } = sortDotenvKeys(dotenv.values, contract);
      for (const k of accepted) {
        keys.push(k);
        values.push(dotenv.values[k]);
      }
      notes.push(...dotenvKeyNotes({ blocked, invalid, shadowed }));
      break;
    }
  }
  return { keys, values, notes };
}

/** Splits .env keys into those we export and those we refuse (and why). */
export function sortDotenvKeys(values: Record<string, string>, contract: Record<string, string> = {}) {
  const blocked: string[] = [];
  const invalid: string[] = [];
  const shadowed: string[] = [];
  const accepted: string[] = [];
  for (const key of Object.keys(values)) {
    if (!isShellName(key)) invalid.push(key);
    else if (isBlockedKey(key)) blocked.push(key);
    else if (Object.hasOwn(contract, key)) shadowed.push(key);
    else accepted.push(key);
  }
  return { blocked, invalid, shadowed, accepted };
}

export function dotenvKeyNotes(sorted: { blocked: string[]; invalid: string[]; shadowed: string[] }): string[] {
  const notes: string[] = [];
  if (sorted.blocked.length)
    notes.push(
      `devenv: never exported from .env (they could run code or take over the shell): ${sorted.blocked.join(', ')}`,
    );
  if (sorted.invalid.length)
    notes.push(`devenv: .env keys that are not variable names were skipped: ${sorted.invalid.join(', ')}`);
  if (sorted.shadowed.length)
    notes.push(`devenv: .env keys ignored because devenv sets them: ${sorted.shadowed.join(', ')}`);
  return notes;
}
