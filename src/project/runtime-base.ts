// Sockets whose path inside the project would be too long for a Unix socket (postgres' socket dir, the
// control socket of `up`) live in a per-user private directory: the user's runtime dir (XDG_RUNTIME_DIR)
// when it is there and theirs, else `devenv-<uid>` in the temp dir. That name can be guessed: when
// another account made it first (in a sticky /tmp we could never remove it), a fresh directory with an
// unguessable name is made instead and its name kept in the user's own state dir. So no other account
// can take, redirect or lock out the places a project's sockets go.
import { fchmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, type Stats, statSync } from 'node:fs';
import path from 'node:path';
import { errnoCode, errorMessage, UserError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { withDirectory } from '../util/no-follow.js';
import { ensurePrivateDir } from '../util/private-path.js';

/** Root's: others may pass through (postgres, running as its account, makes its socket inside) but not list. */
const ROOT_MODE = 0o711;
const USER_MODE = 0o700;

/** `dir` as our private directory: made when absent, its mode tightened when ours; false when someone else's. */
function claim(dir: string, uid: number, mode: number): boolean {
  let st: Stats;
  try {
    st = lstatSync(dir);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') return false;
    try {
      mkdirSync(dir, { mode });
    } catch (made) {
      if (errnoCode(made) !== 'EEXIST') return false;
    }
    st = lstatSync(dir);
  }
  if (!st.isDirectory() || st.isSymbolicLink() || st.uid !== uid) return false;
  // Through its own descriptor: never what a link swapped in meanwhile points to.
  if ((st.mode & 0o777) !== mode)
    withDirectory(dir, (fd, now) => {
      if (now.uid === uid) fchmodSync(fd, mode);
    });
  return true;
}

/** Can any account pass through every directory on the way to `dir` (search permission for others)? */
function passable(dir: string): boolean {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    try {
      if ((statSync(d).mode & 0o001) === 0) return false;
    } catch {
      return false;
    }
    if (path.dirname(d) === d) return true;
  }
}

/** The runtime dir of a desktop session: ours and closed to others, or not used. */
function sessionRuntimeDir(env: NodeJS.ProcessEnv, uid: number): string | null {
  const dir = env.XDG_RUNTIME_DIR;
  if (!dir || !path.isAbsolute(dir)) return null;
  try {
    const st = lstatSync(dir);
    return st.isDirectory() && st.uid === uid && (st.mode & 0o077) === 0 ? dir : null;
  } catch {
    return null;
  }
}

/**
 * The per-user directory for sockets that do not fit in the project, whose entries `fits` accepts (their
 * length): XDG_RUNTIME_DIR (not as root: the account postgres runs as cannot enter root's), else
 * `<tmp>/devenv-<uid>` ($TMPDIR, else /tmp), else one recorded in `stateDir` when that name was taken.
 */
export function runtimeBase(
  env: NodeJS.ProcessEnv,
  isRoot: boolean,
  stateDir: string,
  fits: (base: string) => boolean,
): string {
  const uid = process.getuid?.() ?? 0;
  const session = isRoot ? null : sessionRuntimeDir(env, uid);
  if (session && fits(session)) return session;
  // By who we are, whatever the caller asks: root's must stay passable for the account running postgres.
  const mode = uid === 0 ? ROOT_MODE : USER_MODE;
  // $TMPDIR (a private one on macOS), unless its path is too long for the socket (or, as root, the
  // account running postgres could not pass through it); else /tmp.
  const usable = (t: string | undefined): t is string =>
    Boolean(t && path.isAbsolute(t) && fits(path.join(t, `devenv-${uid}-xxxxxx`)) && (uid !== 0 || passable(t)));
  const temp = [env.TMPDIR, '/tmp'].find(usable);
  const dir = path.join(temp ?? '/tmp', `devenv-${uid}`);
  if (claim(dir, uid, mode)) return dir;
  return recordedBase(uid, mode, stateDir, temp ?? '/tmp');
}

/** The unguessable directory made when `devenv-<uid>` was someone else's: kept in `stateDir/runtime-dir`. */
function recordedBase(uid: number, mode: number, stateDir: string, temp: string): string {
  const file = path.join(stateDir, 'runtime-dir');
  let recorded: string | null = null;
  try {
    recorded = readFileSync(file, 'utf8').trim();
  } catch {
    // none yet
  }
  if (recorded && path.isAbsolute(recorded) && claimExisting(recorded, uid, mode)) return recorded;
  try {
    const made = mkdtempSync(path.join(temp, `devenv-${uid}-`));
    claim(made, uid, mode);
    ensurePrivateDir(stateDir);
    writeFileAtomic(file, `${made}\n`);
    return made;
  } catch (err) {
    throw new UserError(
      `${path.join(temp, `devenv-${uid}`)} belongs to another account, and no private directory for this ` +
        `project's sockets could be made instead: ${errorMessage(err)}`,
    );
  }
}

/** Like claim(), but never makes it: a recorded directory that is gone is replaced by a new random one. */
function claimExisting(dir: string, uid: number, mode: number): boolean {
  try {
    lstatSync(dir);
  } catch {
    return false;
  }
  return claim(dir, uid, mode);
}
