// Foreman Procfile / Procfile.dev: "name: command" per line, # comments, blank lines.
import { isProcessName, PROCESS_NAME_RULE } from '../app-definition.js';
import { UserError } from '../errors.js';
import { shown } from '../util/show.js';
import { textProblem } from './config-text.js';

export interface ProcfileEntry {
  name: string;
  command: string;
  /** 1-based line number, for later error messages. */
  line: number;
}

/** A line the parser cannot read: the user's to fix, so it prints as one line naming file and line. */
export class ProcfileError extends UserError {
  constructor(
    readonly file: string,
    readonly line: number,
    reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
    this.name = 'ProcfileError';
  }
}

/** Parse Procfile text. Unlike foreman, a line it cannot read is an error, not silently skipped. */
export function parseProcfile(text: string, file = 'Procfile'): ProcfileEntry[] {
  const entries: ProcfileEntry[] = [];
  const seen = new Map<string, number>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const colon = trimmed.indexOf(':');
    if (colon === -1) throw new ProcfileError(file, line, `expected "name: command", got ${shown(trimmed)}`);
    const name = trimmed.slice(0, colon).trim();
    const command = trimmed.slice(colon + 1).trim();
    if (!isProcessName(name)) {
      // A name can be any length here: quote only its start, the line number finds the rest.
      const what = name.length > 40 ? `${shown(name.slice(0, 40)).slice(0, -1)}…"` : shown(name);
      throw new ProcfileError(file, line, `invalid process name ${what} (use ${PROCESS_NAME_RULE})`);
    }
    if (command === '') throw new ProcfileError(file, line, `process "${name}" has no command`);
    // A line holds no line break; of the other control characters only tab can mean something.
    const problem = textProblem(command, 'text');
    if (problem) throw new ProcfileError(file, line, `the command of "${name}": ${problem}`);
    const previous = seen.get(name);
    if (previous !== undefined) {
      throw new ProcfileError(file, line, `process "${name}" is already defined on line ${previous}`);
    }
    seen.set(name, line);
    entries.push({ name, command, line });
  });
  return entries;
}
