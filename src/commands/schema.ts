import { readFileSync } from 'node:fs';
import { SCHEMA_FILE } from '../util/package-files.js';

/**
 * `devenv schema [--path]`: the JSON schema of devenv.json, or where the installed copy lives. Printing it
 * lets a project commit its own copy (`devenv schema > devenv.schema.json`) instead of a machine's path.
 */
export default async function schema(opts: { path?: boolean }): Promise<void> {
  process.stdout.write(opts.path ? `${SCHEMA_FILE}\n` : readFileSync(SCHEMA_FILE, 'utf8'));
}
