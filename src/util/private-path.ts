import { lstatSync, mkdirSync, realpathSync, type Stats } from 'node:fs';
import path from 'node:path';
import { errnoCode } from '../errors.js';

/**
 * Could nobody but root and us rename or replace this entry? Owned by one of us, and (unless it is a
 * symlink, whose own mode means nothing) writable by nobody else; a sticky directory like /tmp is fine,
 * as others may add entries there but not move ours.
 */
function trusted(st: Stats, uid: number): boolean {
  if (st.uid !== 0 && st.uid !== uid) return false;
  if (st.isSymbolicLink()) return true;
  if ((st.mode & 0o022) === 0) return true;
  return st.isDirectory() && (st.mode & 0o1000) !== 0;
}

/** `/`, `/a`, `/a/b`, … up to `p`. */
function prefixes(p: string): string[] {
  const out = [path.parse(p).root];
  for (const part of p.split(path.sep).filter(Boolean)) out.push(path.join(out[out.length - 1]!, part));
  return out;
}

/** The first existing entry on the way to `p` (as written, and as resolved) that someone else controls. */
function firstUntrusted(p: string, uid: number): { entry: string; stat: Stats } | null {
  const check = (chain: string[]) => {
    for (const entry of chain) {
      let stat: Stats;
      try {
        stat = lstatSync(entry);
      } catch (err) {
        if (errnoCode(err) === 'ENOENT') return null;
        throw err;
      }
      if (!trusted(stat, uid)) return { entry, stat };
    }
    return null;
  };
  const literal = check(prefixes(path.resolve(p)));
  if (literal) return literal;
  let real: string;
  try {
    real = realpathSync(p);
  } catch {
    return null; // not there yet: the literal chain was all there is
  }
  return check(prefixes(real));
}

/** The private directory could be steered by another account: which entry, and why. */
export class UntrustedPathError extends Error {
  constructor(
    readonly entry: string,
    readonly stat: Stats,
  ) {
    const mode = (stat.mode & 0o7777).toString(8).padStart(4, '0');
    super(`${entry} belongs to uid ${stat.uid} (mode ${mode}), so another account could replace it`);
    this.name = 'UntrustedPathError';
  }
}

/** Throw UntrustedPathError when another account could change an existing entry on the way to `dir`. */
export function checkPrivatePath(dir: string): void {
  const bad = firstUntrusted(dir, process.getuid?.() ?? 0);
  if (bad) throw new UntrustedPathError(bad.entry, bad.stat);
}

/**
 * Create `dir` (mode 0700) where only root and we can change anything on the way to it, and check that
 * again once it exists: a directory for files root writes that no other account may steer elsewhere.
 * Throws UntrustedPathError naming the first entry that fails.
 */
export function ensurePrivateDir(dir: string): void {
  checkPrivatePath(dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  checkPrivatePath(dir);
}
