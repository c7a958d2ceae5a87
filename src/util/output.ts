import kleur from 'kleur';

/** Short status lines on stderr, so stdout stays clean for data (env, status --json). */
export interface Output {
  info(line: string): void;
  notice(line: string): void;
  /** A slow step is starting (shown only on a TTY). */
  step(what: string): void;
}

export function terminalOutput(stream: NodeJS.WriteStream = process.stderr): Output {
  const tty = Boolean(stream.isTTY);
  return {
    info: (line) => stream.write(`${line}\n`),
    notice: (line) => stream.write(`${kleur.yellow('note:')} ${line}\n`),
    step: (what) => {
      if (tty) stream.write(`${kleur.dim(`… ${what}`)}\n`);
    },
  };
}

export function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
