import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Found from this module's own URL: src/util/, dist/util/ and the bundle's dist/bundle/ all sit two
// levels below the package root, so the same path works in a checkout, under vitest and when installed.
const ROOT = new URL('../../', import.meta.url);

/** Absolute path of a file of our own package (e.g. "shell-hooks/devenv.bash"). */
export function packageFile(relative: string): string {
  return fileURLToPath(new URL(relative, ROOT));
}

/** The CLI entry every self-spawn and the shell hook run: the bundle, the only code the package ships. */
export const CLI_MAIN = packageFile('dist/bundle/main.cjs');

/**
 * The JSON schema of devenv.json. The package ships the copy the build puts in dist/ (a documented path:
 * keep it); a checkout uses its source, so tests that load src/ never validate against a stale copy.
 */
export function schemaFile(): string {
  const source = packageFile('src/project/devenv.schema.json');
  return existsSync(source) ? source : packageFile('dist/devenv.schema.json');
}

/** Our own version (not npm_package_version: under `npm run` that is the user's project's). */
export function packageVersion(): string {
  try {
    return String(JSON.parse(readFileSync(packageFile('package.json'), 'utf8')).version);
  } catch {
    return 'unknown';
  }
}
