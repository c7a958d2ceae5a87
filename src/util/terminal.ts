/**
 * The one way devenv writes to its terminal. Every line we print (status lines, `up`'s prefixed
 * output, errors) goes through these two sinks, so a terminal that goes away under us (EIO, EPIPE)
 * is handled in this one place.
 */
export interface Sink {
  write(text: string): void;
}

export const stdout: Sink = { write: (text) => void process.stdout.write(text) };
export const stderr: Sink = { write: (text) => void process.stderr.write(text) };
