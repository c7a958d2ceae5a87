/**
 * What a loaded project hands the shell hook. The hook keeps it (as candidate variables) only when
 * `stamp` is still newer than every watched file, so the same text serves as node's answer and as
 * the cached answer the hook reads without spawning anything.
 */
export interface HookData {
  /** Project root as the shell found it (logical $PWD form). */
  root: string;
  /** A file created before anything was read: watched files not older than it mean "re-render". */
  stamp: string;
  /** This project's trust record (watched so `devenv allow`/`deny` take effect at the next prompt). */
  trust: string;
  /** Which watched files existed at load time: e=.env j=devenv.json t=trust record d=.pgres. */
  seen: string;
  /** postgres.branches: the git HEAD file, watched like the others (a branch switch rewrites it); '' for none. */
  head: string;
  keys: string[];
  values: string[];
  /** Lines worth saying on every load (trust, blocked keys); '' for none. */
  note: string;
  /** A problem that stopped the load (bad devenv.json); always shown. */
  error: string;
}

/** Bumped whenever the HookData rendering or the hook scripts change incompatibly. */
export const HOOK_FORMAT = '2';

export interface Shell {
  readonly name: 'bash' | 'zsh' | 'fish';
  /** A literal the shell reads back byte-identical and never expands. */
  quote(value: string): string;
  exportVar(key: string, value: string): string;
  unsetVar(key: string): string;
  /** HookData as plain assignments to the hook's candidate variables (format version assigned last). */
  renderData(data: HookData): string;
  /** File in shell-hooks/ holding this shell's hook. */
  readonly hookFile: string;
}

/** The HookData fields in the order every renderer writes them. */
export function dataFields(data: HookData): Array<[string, string]> {
  return [
    ['root', data.root],
    ['stamp', data.stamp],
    ['trust', data.trust],
    ['seen', data.seen],
    ['head', data.head],
    ['note', data.note],
    ['error', data.error],
  ];
}
