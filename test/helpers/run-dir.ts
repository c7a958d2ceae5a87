// The directory of this test run (made by test/global-setup.ts), and what lives in it.
import { mkdirSync } from 'node:fs';
import path from 'node:path';

/** Set by the global setup for the workers; not a devenv variable (devenv ignores it). */
export const RUN_DIR_ENV = 'PGRES_TEST_RUN_DIR';

/** This run's directory. */
export function runDir(): string {
  const dir = process.env[RUN_DIR_ENV];
  if (!dir) {
    throw new Error(`${RUN_DIR_ENV} is not set: run the tests with --config test/vitest.config.ts (its globalSetup)`);
  }
  return dir;
}

/** A directory of this run's, made on first use (`mode` applies when it is made). */
export function runSubdir(name: string, mode = 0o755): string {
  const dir = path.join(runDir(), name);
  mkdirSync(dir, { recursive: true, mode });
  return dir;
}
