import kleur from 'kleur';
import { type Sink, stderr } from './terminal.js';

/** Short status lines on stderr, so stdout stays clean for data (env, status --json). */
export interface Output {
  info(line: string): void;
  notice(line: string): void;
  /** A slow step is starting (shown only on a TTY). */
  step(what: string): void;
}

export function terminalOutput(sink: Sink = stderr, tty = Boolean(process.stderr.isTTY)): Output {
  return {
    info: (line) => sink.write(`${line}\n`),
    notice: (line) => sink.write(`${kleur.yellow('note:')} ${line}\n`),
    step: (what) => {
      if (tty) sink.write(`${kleur.dim(`… ${what}`)}\n`);
    },
  };
}

export function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
