// How `devenv logs` prints a line: alone, a log's lines as its process wrote them; merged, each after
// its process's name (coloured as `devenv up` colours it); with -t after its time; and a separator
// where a new `devenv up` began.
import kleur from 'kleur';
import { paintLabel } from './label-colour.js';
import type { LogEntry } from './log-read.js';
import { formatStamp, runStartPid, STAMP_WIDTH } from './log-stamp.js';

export interface ViewOptions {
  /** The logs' names, by source index. */
  names: string[];
  /** Several logs: each line after its name, and separators at each run's start. */
  merged: boolean;
  /** Each line after its time (blank for a line without a time of its own). */
  timestamps: boolean;
  color: boolean;
  /** The source index of devenv.log, whose run start lines become separators. */
  devenvSource: number | null;
}

export class LogView {
  private readonly width: number;

  constructor(private readonly opts: ViewOptions) {
    this.width = Math.max(0, ...opts.names.map((n) => n.length));
  }

  /** A log found after the start (`-f`: a process added to the configuration). */
  addName(index: number, name: string): void {
    this.opts.names[index] = name;
  }

  /** The line to print for `e`, without its newline. */
  render(e: LogEntry): string {
    const { opts } = this;
    const time = opts.timestamps ? `${e.dated === 'own' ? formatStamp(e.time) : ' '.repeat(STAMP_WIDTH)} ` : '';
    if (!opts.merged) return `${time}${e.text}`;
    const pid = e.source === opts.devenvSource ? runStartPid(e.text) : null;
    if (pid !== null && e.dated === 'own') return this.separator(e.time, pid);
    const label = `${(opts.names[e.source] ?? '?').padEnd(this.width)} | `;
    return `${opts.color ? paintLabel(label, e.source) : label}${time}${e.text}`;
  }

  private separator(time: number, pid: number): string {
    const when = `${formatStamp(time).slice(0, 19).replace('T', ' ')} UTC`;
    const line = `── devenv up started ${when} (pid ${pid}) ──`;
    if (!this.opts.color) return line;
    const saved = kleur.enabled;
    kleur.enabled = true;
    try {
      return kleur.dim(line);
    } finally {
      kleur.enabled = saved;
    }
  }
}
