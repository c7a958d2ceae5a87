// devenv.json `processes.*.ready` → the probe the supervisor runs, refused at load when it could never work.
import type { ReadyCheck } from '../app-definition.js';
import type { ProcessConfig } from './config.js';

const KINDS = ['http', 'tcp', 'command', 'log'] as const;

/**
 * The probe of one process, or a one-line problem starting with its key (`web.ready: …`). The http
 * probe asks the process's own `port`, so it needs one.
 */
export function readyCheck(name: string, p: ProcessConfig): { check?: ReadyCheck; problem?: string } {
  const ready = p.ready;
  if (!ready) return {};
  const at = `${name}.ready`;
  const given = KINDS.filter((k) => ready[k] !== undefined);
  if (given.length !== 1) {
    const kinds = KINDS.map((k) => `"${k}"`).join(', ');
    return {
      problem:
        given.length === 0
          ? `${at}: give one of ${kinds}`
          : `${at}: give only one of ${kinds} (it has ${given.map((k) => `"${k}"`).join(' and ')})`,
    };
  }
  const timing = { intervalMs: ready.intervalMs, timeoutMs: ready.timeoutMs };
  if (ready.http !== undefined) {
    if (p.port === undefined) {
      return { problem: `${at}.http: the http probe asks the process's port: set processes.${name}.port` };
    }
    if (!ready.http.startsWith('/')) return { problem: `${at}.http: a path starting with "/", e.g. "/health"` };
    return { check: { kind: 'http', port: p.port, path: ready.http, ...timing } };
  }
  if (ready.tcp !== undefined) return { check: { kind: 'tcp', port: ready.tcp, ...timing } };
  if (ready.command !== undefined) {
    if (!ready.command.trim()) return { problem: `${at}.command is empty` };
    return { check: { kind: 'command', command: ready.command, ...timing } };
  }
  const pattern = ready.log!;
  try {
    new RegExp(pattern);
  } catch (err) {
    // V8 says "Invalid regular expression: /(/: Unterminated group": keep its reason only.
    const reason = (err as Error).message.replace(/^.*: /, '');
    return { problem: `${at}.log: not a regular expression: ${reason}` };
  }
  return { check: { kind: 'log', pattern, ...timing } };
}
