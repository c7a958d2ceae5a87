// What `devenv start|stop|restart NAME...` (and `devenv up NAME...` into a running `up`) do inside it:
// check the names, act on each process through the supervisor (stopping a process stops what needs it
// first, starting one starts what it needs), then wait until each started one is ready or completed, or
// says why it is not. The action runs under the run's lock; the wait does not, so a config reload may
// go on meanwhile (it then decides which instance is waited for).
import { DATABASE_NAME } from '../app-definition.js';
import { UserError } from '../errors.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { didYouMean } from '../util/nearest-word.js';
import type { ProcessOp, ProcessResult } from './control-protocol.js';

/** What the requests need of the supervisor (a fake in tests). */
export type ProcessTarget = Pick<
  Supervisor,
  'startProcess' | 'stopProcess' | 'restartProcesses' | 'processOutcome' | 'processNames'
>;

/** A process acted on, to be waited for: what was done to it ("restarted", "started (web needs it)"). */
export interface Pending {
  name: string;
  done: string;
}

/** Each op in the words of its command. */
const VERB: Record<ProcessOp, string> = {
  'start-processes': 'start',
  'stop-processes': 'stop',
  'restart-processes': 'restart',
};

export function verbOf(op: ProcessOp): string {
  return VERB[op];
}

/**
 * The processes a request names, checked before anything changes: each one known (else one line listing
 * them), postgres only for a restart. A restart naming none ([]) means every app that runs.
 */
export function checkNames(op: ProcessOp, names: readonly string[], apps: readonly string[]): string[] {
  const known = [DATABASE_NAME, ...apps];
  for (const name of names) {
    if (known.includes(name)) continue;
    throw new UserError(`no process "${name}"${didYouMean(name, known)}; the processes are: ${known.join(', ')}`);
  }
  if (op !== 'restart-processes' && names.includes(DATABASE_NAME)) {
    throw new UserError(
      `postgres runs as long as devenv up does: \`devenv restart postgres\` restarts it, \`devenv down\` stops ` +
        'everything',
    );
  }
  if (names.length === 0 && op !== 'restart-processes') {
    throw new UserError(`name the processes to ${VERB[op]}; the processes are: ${known.join(', ')}`);
  }
  return [...new Set(names)];
}

/** Stop each (what needs it first): one result per process stopped, none to wait for. */
export async function stopProcesses(target: ProcessTarget, names: string[]): Promise<ProcessResult[]> {
  const results: ProcessResult[] = [];
  for (const name of names) {
    const stopped = await target.stopProcess(name);
    for (const n of stopped) {
      results.push({ name: n, ok: true, text: n === name ? 'stopped' : `stopped (it needs ${name})` });
    }
    if (!results.some((r) => r.name === name)) results.push({ name, ok: true, text: 'was not running' });
  }
  return results;
}

/** Start each and what it needs; returns what to wait for: the named ones and what was started for them. */
export async function startProcesses(target: ProcessTarget, names: string[]): Promise<Pending[]> {
  const pending: Pending[] = [];
  for (const name of names) {
    const launched = await target.startProcess(name);
    for (const n of launched) {
      if (!pending.some((p) => p.name === n))
        pending.push({ name: n, done: n === name ? 'started' : `started (${name} needs it)` });
    }
    if (!pending.some((p) => p.name === name)) pending.push({ name, done: 'already running' });
  }
  return pending;
}

/** Restart them in one wave (those not running start; none named: every app that runs); what to wait for. */
export async function restartProcesses(target: ProcessTarget, names: string[]): Promise<Pending[]> {
  const restarted = await target.restartProcesses(names);
  return restarted.map((name) => ({ name, done: 'restarted' }));
}

/** Wait for each until it is ready or completed, or cannot be; one result each, in the order given. */
export function outcomes(target: ProcessTarget, pending: Pending[]): Promise<ProcessResult[]> {
  return Promise.all(
    pending.map(async ({ name, done }): Promise<ProcessResult> => {
      const outcome = await target.processOutcome(name);
      const pid = outcome.pid !== null ? ` (pid ${outcome.pid})` : '';
      if (outcome.ok) return { name, ok: true, text: `${done}, ${outcome.text}${pid}` };
      const how = outcome.text.startsWith('waiting') ? `not started: ${outcome.text}` : `${done} but ${outcome.text}`;
      return { name, ok: false, text: how, ...(outcome.lastLines.length && { lastLines: outcome.lastLines }) };
    }),
  );
}
