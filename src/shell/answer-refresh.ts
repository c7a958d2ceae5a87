// The shell hook's cached answers, rendered again by a devenv process other than the hook's own node: a
// running `up` when .env or devenv.json changes, `devenv allow` and `deny` after they change the trust.
// The next prompt then reads a fresh answer without starting node. Only an answer this process renders
// byte for byte as the hook's node did is ever rewritten: the environment may differ (another
// XDG_DATA_HOME holds other trust records), and that is proven not to matter by rendering the current
// answer again, from the same files and with its own stamp, before anything changes.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { findProjectRoot } from '../project/root.js';
import { answerText, renderHookEnv } from './hook-answer.js';
import { hookCacheDir, projectHookDir } from './hook-cache.js';
import { SHELLS } from './registry.js';
import type { Shell } from './shell.js';
import { canonicalRoot, trustFile } from './trust.js';

interface Answer {
  shell: Shell;
  /** The root as the shell knows it (its $PWD form: the cache mirrors that path). */
  root: string;
}

/**
 * The roots the shells may know the project by: its real path, and the path the shell that started us
 * was in ($PWD, which keeps symlinks), when that is the same project.
 */
export function shellRoots(realRoot: string, env: NodeJS.ProcessEnv): string[] {
  const roots = [realRoot];
  const logical = env.PWD && path.isAbsolute(env.PWD) ? findProjectRoot(env.PWD) : null;
  if (logical && logical !== realRoot && canonicalRoot(logical) === realRoot) roots.push(logical);
  return roots;
}

/** The stamps of `shell` in a project's hook dir (after a render, only its own is left). */
function stampsIn(dir: string, shell: Shell): string[] {
  return readdirSync(dir)
    .filter((name) => name.startsWith(`stamp.${shell.name}.`))
    .map((name) => path.join(dir, name));
}

const mtime = (file: string) => statSync(file, { bigint: true, throwIfNoEntry: false })?.mtimeNs ?? null;

/**
 * Will the hook take this answer: is its stamp strictly newer than the files it was made from (the
 * hook's `-nt`)? A render in the same tick of the file clock as the edit it follows is not (file times
 * advance in steps of a few ms): render again a moment later.
 */
function fresh(dir: string, shell: Shell, inputs: string[]): boolean {
  const stamp = stampsIn(dir, shell)
    .map(mtime)
    .reduce((a, b) => (a !== null && (b === null || a > b) ? a : b), null);
  if (stamp === null) return false;
  return inputs.every((file) => {
    const t = mtime(file);
    return t === null || stamp > t;
  });
}

/** The cached answer of `shell` for `root` and the stamp it was made with, or null. */
function cached(cacheDir: string, shell: Shell, root: string): { text: string; stamp: string } | null {
  const dir = projectHookDir(cacheDir, root);
  try {
    const text = readFileSync(path.join(dir, shell.name), 'utf8');
    const stamp = stampsIn(dir, shell).find((file) => text.includes(file));
    return stamp ? { text, stamp } : null;
  } catch {
    return null;
  }
}

export class HookAnswers {
  private constructor(
    private readonly answers: Answer[],
    private readonly cacheDir: string,
    private readonly env: NodeJS.ProcessEnv,
    /** The files every answer is made from (the git HEAD aside: a switch is rare, and the hook catches it). */
    private readonly inputs: string[],
  ) {}

  /**
   * The answers of this project that this process renders exactly as they are cached now. Call it while
   * the files are as they were when the answers were made (before a change, before writing the trust).
   */
  static verify(realRoot: string, env: NodeJS.ProcessEnv = process.env): HookAnswers {
    const cacheDir = hookCacheDir(env);
    const answers: Answer[] = [];
    for (const root of shellRoots(realRoot, env)) {
      for (const shell of Object.values(SHELLS)) {
        const now = cached(cacheDir, shell, root);
        try {
          if (now && answerText(shell, root, now.stamp, env) === now.text) answers.push({ shell, root });
        } catch {
          // a file it reads went away meanwhile: leave this answer to the hook
        }
      }
    }
    const inputs = [path.join(realRoot, '.env'), path.join(realRoot, 'devenv.json'), trustFile(realRoot, env)];
    return new HookAnswers(answers, cacheDir, env, inputs);
  }

  /** How many answers refresh() renders. */
  get size(): number {
    return this.answers.length;
  }

  /**
   * Render them again from the files as they are now (new stamps). True when the hook will take every
   * one of them; false: call again a few ms later. A failure leaves that answer to the hook.
   */
  refresh(): boolean {
    let taken = true;
    for (const { shell, root } of this.answers) {
      try {
        renderHookEnv(shell, this.cacheDir, root, this.env);
        taken &&= fresh(projectHookDir(this.cacheDir, root), shell, this.inputs);
      } catch {
        // the hook's stamp check finds the answer stale and runs node, as without us
      }
    }
    return taken;
  }

  private generation = 0;

  /**
   * refresh(), again every `retryMs` until the hook takes the answers (a render in the same tick of the
   * file clock as the edit is not newer than it), at most `tries` times; a newer call takes over.
   */
  async settle(retryMs = 5, tries = 20): Promise<boolean> {
    const mine = ++this.generation;
    for (let i = 0; i < tries && mine === this.generation; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, retryMs));
      if (mine === this.generation && this.refresh()) return true;
    }
    return false;
  }
}
