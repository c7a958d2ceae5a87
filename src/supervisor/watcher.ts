// Watch project files and report changes, minus what no app restart should follow.

import type { Stats } from 'node:fs';
import { readFileSync } from 'node:fs';
import { basename, isAbsolute, relative, resolve, sep } from 'node:path';
import { type FSWatcher, watch } from 'chokidar';
import ignore, { type Ignore } from 'ignore';
import type { WatchEvent } from '../util/late-changes.js';
import { trace } from '../util/trace.js';

/** Directories never worth watching (any depth). */
const IGNORED_DIRS = new Set(['.git', 'node_modules', '.pgres', 'dist', 'build', 'coverage', '.hg', '.svn']);

/** True for names editors and OSes write beside real files while saving. */
export function isEditorTempName(name: string): boolean {
  return (
    name === '4913' || // vim's "can I write here" probe
    name === '.DS_Store' ||
    name === 'Thumbs.db' ||
    /\.sw[a-z]$/.test(name) || // vim swap files .swp, .swo, ... and its .swx write probe
    name.endsWith('~') || // vim/emacs backups
    name.startsWith('.#') || // emacs lock files
    (name.startsWith('#') && name.endsWith('#')) || // emacs auto-save
    /\.(tmp|temp)$/i.test(name) ||
    /\.tmp\.\d+(\.\d+)*$/.test(name) || // write-file-atomic style "x.json.tmp.1234"
    name.endsWith('___jb_tmp___') || // JetBrains "safe write"
    name.endsWith('___jb_old___') ||
    /\.crswap$/.test(name) // Chrome/VS Code file system access temp
  );
}

/** Default ignore rule on a path relative to the project root ("/"-separated or native). */
export function isDefaultIgnored(rel: string): boolean {
  const parts = rel.split(/[\\/]/).filter(Boolean);
  for (const part of parts) {
    if (IGNORED_DIRS.has(part) || part.startsWith('.pgres.partial-')) return true;
  }
  const name = parts.at(-1);
  return name !== undefined && isEditorTempName(name);
}

/** Loads the root .gitignore into a matcher; an unreadable or absent file ignores nothing. */
export function loadGitignore(root: string): Ignore {
  const ig = ignore();
  try {
    ig.add(readFileSync(resolve(root, '.gitignore'), 'utf8'));
  } catch {
    // no .gitignore: nothing extra to ignore
  }
  return ig;
}

export interface IgnoreMatcherOptions {
  root: string;
  /** Honour `<root>/.gitignore`. Default true. */
  gitignore?: boolean;
  /** Extra gitignore-syntax patterns, relative to the root (e.g. devenv.json `watch.ignore`). */
  patterns?: string[];
  /** Extra predicate on root-relative paths. */
  extra?: (rel: string) => boolean;
}

/**
 * Build chokidar's `ignored` function. A function, because chokidar >= 4 treats string entries
 * as exact paths and silently never matches a glob.
 */
export function createIgnoreMatcher(opts: IgnoreMatcherOptions): {
  ignored: (path: string, stats?: Stats) => boolean;
  reloadGitignore: () => void;
} {
  const root = resolve(opts.root);
  let gi = opts.gitignore === false ? undefined : loadGitignore(root);
  const configured = opts.patterns?.length ? ignore().add(opts.patterns) : undefined;
  const ignored = (path: string, stats?: Stats): boolean => {
    const rel = relative(root, resolve(root, path));
    if (rel === '') return false; // the root itself
    if (isDefaultIgnored(rel)) return true;
    if (opts.extra?.(rel)) return true;
    // Pattern lists only speak about paths inside the root.
    if (rel.startsWith('..') || isAbsolute(rel)) return false;
    const posix = rel.split(sep).join('/');
    // Directory-only rules ("build/") match only with a trailing slash.
    const candidate = stats?.isDirectory() ? `${posix}/` : posix;
    return Boolean(gi?.ignores(candidate) || configured?.ignores(candidate));
  };
  return {
    ignored,
    reloadGitignore: () => {
      if (opts.gitignore !== false) gi = loadGitignore(root);
    },
  };
}

/** chokidar's file events, as late-changes names them. */
export type ChangeKind = WatchEvent;

export interface WatcherOptions {
  /** Project root: paths are reported relative to it and its .gitignore applies. */
  root: string;
  /** What to watch (relative to root or absolute). Default: the root. */
  paths?: string[];
  gitignore?: boolean;
  /** Extra gitignore-syntax patterns. */
  ignore?: string[];
  extraIgnored?: (rel: string) => boolean;
  /** Called once per file event with the root-relative path. Debouncing is the caller's job. */
  onChange: (rel: string, kind: ChangeKind) => void;
  onError?: (err: unknown) => void;
}

export class ProjectWatcher {
  readonly ready: Promise<void>;
  private readonly fsw: FSWatcher;
  private resolveReady: (() => void) | undefined;

  constructor(opts: WatcherOptions) {
    const root = resolve(opts.root);
    const matcher = createIgnoreMatcher({
      root,
      gitignore: opts.gitignore,
      patterns: opts.ignore,
      extra: opts.extraIgnored,
    });
    const paths = (opts.paths?.length ? opts.paths : ['.']).map((p) => resolve(root, p));
    this.fsw = watch(paths, {
      ignored: matcher.ignored,
      ignoreInitial: true,
      // Turns a delete quickly followed by a re-create (some editors' save) into one "change".
      atomic: true,
    });
    this.fsw.on('all', (event, path) => {
      const rel = relative(root, path);
      trace(`file ${event}: ${rel}`);
      if (basename(path) === '.gitignore' && rel === '.gitignore') matcher.reloadGitignore();
      opts.onChange(rel, event as ChangeKind);
    });
    this.fsw.on('error', (err) => opts.onError?.(err));
    this.ready = new Promise((res) => {
      this.fsw.once('ready', () => res());
      this.resolveReady = res; // a watcher closed before its first scan would never be ready
    });
  }

  async close(): Promise<void> {
    this.resolveReady?.();
    await this.fsw.close();
  }
}
