// Facts of the operating system itself, the same whichever implementation reads processes and disks
// (PGRES_PLATFORM does not change them): the Unix socket path limit and where a user's files go.
import { homedir } from 'node:os';
import path from 'node:path';

/**
 * The longest Unix socket path: sun_path holds 108 bytes on Linux, 104 on macOS and the BSDs, one of them
 * the terminating NUL (PostgreSQL: "Unix-domain socket path … is too long (maximum 107 bytes)").
 */
export function socketPathMax(os: string = process.platform): number {
  return os === 'linux' ? 107 : 103;
}

/** A user's base directories; devenv's own are a `devenv` directory in each. */
export interface UserDirs {
  /** Safe to delete at any time (template clusters, fetched servers, the shell hook's answers). */
  cache: string;
  /** Worth keeping (the trust store). */
  data: string;
  /** Worth keeping but not precious (history, root's runtime files of each project). */
  state: string;
  /** Private and short-lived (sockets); null when the user has none (then /tmp is used). */
  runtime: string | null;
}

/**
 * XDG base directories where they are set (to absolute paths, as the spec asks), on every OS; otherwise
 * the OS's own places: ~/.cache, ~/.local/share and ~/.local/state on Linux (the XDG defaults),
 * ~/Library/Caches and ~/Library/Application Support on macOS. `home`: whose (root's own home for root's
 * private files, not a $HOME that sudo kept).
 */
export function userDirs(
  env: NodeJS.ProcessEnv = process.env,
  os: string = process.platform,
  home: string = env.HOME || homedir(),
): UserDirs {
  const xdg = (name: string, fallback: string) => {
    const value = env[name];
    return value && path.isAbsolute(value) ? value : path.join(home, fallback);
  };
  const mac = os === 'darwin';
  const support = path.join('Library', 'Application Support');
  return {
    cache: xdg('XDG_CACHE_HOME', mac ? path.join('Library', 'Caches') : '.cache'),
    data: xdg('XDG_DATA_HOME', mac ? support : path.join('.local', 'share')),
    state: xdg('XDG_STATE_HOME', mac ? support : path.join('.local', 'state')),
    runtime: env.XDG_RUNTIME_DIR && path.isAbsolute(env.XDG_RUNTIME_DIR) ? env.XDG_RUNTIME_DIR : null,
  };
}

/** Where root keeps what every account may run but only root may change (fetched servers). */
export function systemCacheDir(os: string = process.platform): string {
  return os === 'darwin' ? '/Library/Caches' : '/var/cache';
}
