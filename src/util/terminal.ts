/**
 * The one way devenv writes to its terminal. Every line we print (status lines, `up`'s prefixed
 * output, errors) goes through these two sinks, so a terminal that goes away under us is handled in
 * this one place:
 *
 * - Writes go straight to the descriptor (writeSync), never through process.stdout: a stream would
 *   report EIO/EPIPE later as an 'error' event (fatal without a listener), and a file stream that
 *   failed once (ENOSPC) would buffer everything after it in memory for good.
 * - EIO (the terminal was closed) or EPIPE (the reader of a pipe exited) means the sink is gone: from
 *   then on its output is dropped (log files still get everything) and whoever asked is told once,
 *   so `up` can shut down the same way as on SIGHUP.
 * - Any other failure (ENOSPC when stdout is a file) drops that text only.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { isatty } from 'node:tty';
import { errnoCode } from '../errors.js';

export interface Sink {
  write(text: string): void;
}

/** Errors that mean nobody will ever read what we write to this descriptor. */
const GONE = new Set(['EIO', 'EPIPE', 'ECONNRESET', 'ENXIO', 'EBADF']);

/** How long one write may wait for a full non-blocking pipe or terminal before its text is dropped. */
const FULL_WAIT_MS = 2000;

const pause = new Int32Array(new SharedArrayBuffer(4));

class TerminalSink implements Sink {
  private goneWhy: string | null = null;
  private readonly listeners: ((why: string) => void)[] = [];

  constructor(
    readonly fd: number,
    private readonly label: string,
  ) {}

  get gone(): boolean {
    return this.goneWhy !== null;
  }

  write(text: string): void {
    if (this.goneWhy !== null || text === '') return;
    const data = Buffer.from(text);
    let offset = 0;
    let waited = 0;
    while (offset < data.length) {
      try {
        offset += writeSync(this.fd, data, offset);
      } catch (err) {
        const code = errnoCode(err) ?? 'unknown error';
        if (code === 'EAGAIN' && waited < FULL_WAIT_MS) {
          // A non-blocking descriptor whose reader is slow: wait a little, as a blocking write would.
          Atomics.wait(pause, 0, 0, 5);
          waited += 5;
          continue;
        }
        if (GONE.has(code)) this.lost(code);
        return;
      }
    }
  }

  /** Call `cb` once when this sink goes away (at once if it already has). */
  onGone(cb: (why: string) => void): void {
    if (this.goneWhy !== null) cb(this.goneWhy);
    else this.listeners.push(cb);
  }

  private lost(code: string): void {
    const why = `${this.label} closed (${code})`;
    this.goneWhy = why;
    // Not from inside the write that failed: its caller may be halfway through something.
    for (const cb of this.listeners.splice(0)) process.nextTick(cb, why);
  }
}

export const stdout = new TerminalSink(1, 'stdout');
export const stderr = new TerminalSink(2, 'stderr');

/** Tell `cb` (once) when stdout or stderr is gone: the terminal was closed, or a pipe's reader exited. */
export function onTerminalGone(cb: (why: string) => void): void {
  let told = false;
  const once = (why: string) => {
    if (told) return;
    told = true;
    cb(why);
  };
  stdout.onGone(once);
  stderr.onGone(once);
}

/** Which of stdin, stdout, stderr were terminals when we started. */
const startedOnTty = [0, 1, 2].map((fd) => isatty(fd));

/**
 * Before exiting: point a standard descriptor whose terminal has hung up at /dev/null. At exit Node
 * restores the terminal settings of every descriptor that was a terminal at start, and on a hung-up
 * terminal that fails (EIO) and aborts the process. Node skips a descriptor that now names another
 * file, so this exit stays clean. Call it only when nothing else runs (no file opens in flight): the
 * freed descriptor number must be the one /dev/null gets.
 */
export function releaseDeadTerminal(): void {
  for (const fd of [0, 1, 2]) {
    // isatty() asks the terminal for its settings: a hung-up one answers EIO, so it is false now.
    if (!startedOnTty[fd] || isatty(fd)) continue;
    try {
      closeSync(fd);
      const got = openSync('/dev/null', 'r+');
      if (got !== fd) closeSync(got);
    } catch {
      // nothing better to do on the way out
    }
  }
}
