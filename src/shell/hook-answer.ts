import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { DOTENV_FILE, type DotenvFile, readDotenvFile } from '../project/dotenv-file.js';
import { projectAt } from '../project/project.js';
import { CONFIG_FILE, DATA_DIR } from '../project/root.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { type DotenvState, planEnvironment } from './env-plan.js';
import { projectHookDir } from './hook-cache.js';
import type { HookData, Shell } from './shell.js';
import { canonicalRoot, checkTrust, trustFile } from './trust.js';

// Unique, not secret (the dir is ours alone, the file made exclusively): node:crypto costs ~3.5 ms to load.
const rand = () => `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;

/**
 * The answer for one project, rendered for one shell and cached where the hook looks first.
 * Runs when the hook's cached answer is missing or older than a watched file.
 */
export function renderHookEnv(
  shell: Shell,
  cacheDir: string,
  root: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const dir = projectHookDir(cacheDir, root);
  let stamp = '-';
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Taken before anything is read: a file changed while we work is "not older" and re-renders.
    const file = path.join(dir, `stamp.${shell.name}.${rand()}`);
    writeFileSync(file, '', { flag: 'wx', mode: 0o600 });
    stamp = file;
  } catch {
    // No cache (read-only home?): '-' tells the hook to keep this answer until the next cd.
  }

  const text = answerText(shell, root, stamp, env);

  if (stamp !== '-') {
    try {
      writeFileAtomic(path.join(dir, shell.name), text, { mode: 0o600 });
      // Older stamps of this shell: a hook still holding one just revalidates against this answer.
      const ours = path.basename(stamp);
      for (const name of readdirSync(dir)) {
        if (name.startsWith(`stamp.${shell.name}.`) && name !== ours) rmSync(path.join(dir, name), { force: true });
      }
    } catch {
      // The answer still goes to the shell; only the next entry pays for a process again.
    }
  }
  return text;
}

/** The answer for `root` as the hook reads it, made with `stamp` (nothing is written). */
export function answerText(shell: Shell, root: string, stamp: string, env: NodeJS.ProcessEnv = process.env): string {
  return shell.renderData(collect(root, stamp, env));
}

function collect(root: string, stamp: string, env: NodeJS.ProcessEnv): HookData {
  const real = canonicalRoot(root);
  const trust = trustFile(real, env);
  const envFile = path.join(root, DOTENV_FILE);
  const seen =
    (existsSync(envFile) ? 'e' : '') +
    (existsSync(path.join(root, CONFIG_FILE)) ? 'j' : '') +
    (existsSync(trust) ? 't' : '') +
    (existsSync(path.join(root, DATA_DIR)) ? 'd' : '');
  const data: HookData = { root, stamp, trust, seen, head: '', keys: [], values: [], note: '', error: '' };

  let contract: Record<string, string>;
  try {
    const project = projectAt(real, { env });
    contract = project.env;
    data.head = project.branch?.head ?? '';
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    data.error = `devenv: ${err.message}`;
    return data;
  }
  const plan = planEnvironment(contract, dotenvState(real, env), envFile);
  data.keys = plan.keys;
  data.values = plan.values;
  data.note = plan.notes.join('\n');
  return data;
}

function dotenvState(realRoot: string, env: NodeJS.ProcessEnv): DotenvState {
  let dotenv: DotenvFile | null;
  try {
    dotenv = readDotenvFile(realRoot);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    return { status: 'unreadable', message: err.message };
  }
  if (!dotenv) return { status: 'absent' };
  // Trust is checked on the very bytes the values came from: what was allowed is what gets exported.
  const { bytes, values } = dotenv;
  const trust = checkTrust(realRoot, bytes, values, env);
  if (trust.status === 'trusted') return { status: 'trusted', values };
  if (trust.status === 'changed') return { status: 'changed', changed: trust.changed };
  return { status: 'untrusted', count: Object.keys(values).length };
}
