import { readFileSync } from 'node:fs';
import { schemaFile } from '../util/package-files.js';
import { stdout } from '../util/terminal.js';

/**
 * `devenv schema [--path]`: the JSON schema of devenv.json, or where the installed copy lives. Printing it
 * lets a project commit its own copy (`devenv schema > devenv.schema.json`) instead of a machine's path.
 */
export default async function schema(opts: { path?: boolean }): Promise<void> {
  const file = schemaFile();
  stdout.write(opts.path ? `${file}\n` : readFileSync(file, 'utf8'));
}
