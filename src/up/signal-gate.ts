// Requests to end the run: SIGINT (Ctrl-C), SIGTERM (`devenv down`), SIGHUP (the terminal closed),
// and our stdout or stderr going away (EIO: the terminal closed; EPIPE: `| head`, or `| tee` ended by
// the same Ctrl-C). All end the run the same way.
//
// One listener for the whole run: removing a listener drops a signal node has received but not yet
// dispatched, so we switch what it does instead. Until the run can stop in order (postgres is
// spawned, detached, but the supervisor does not exist yet) a request is only noted: it must not end
// us before we have stopped postgres.
import { onTerminalGone } from '../util/terminal.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * `again`: a firm request (SIGINT, SIGTERM: the user asked) after an earlier firm one, which means
 * "kill at once". A closed terminal is not firm: it sends SIGHUP more than once (the kernel, then the
 * shell) and fails every write after. None of that may turn a clean shutdown into a kill, and it does
 * not count as the first ask either: one Ctrl-C to `devenv up | tee F` ends tee (EPIPE for us) and
 * reaches us as SIGINT, in either order, and is one ask.
 */
export type StopHandler = (reason: string, again: boolean) => void;

export class SignalGate {
  private early: string | null = null;
  private handler: StopHandler | null = null;
  private closed = false;
  private firmSeen = false;
  private readonly listener = (signal: NodeJS.Signals) => this.request(signal, signal !== 'SIGHUP');

  constructor() {
    for (const s of SIGNALS) process.on(s, this.listener);
    onTerminalGone((why) => {
      if (!this.closed) this.request(why, false);
    });
  }

  /** The first request that came before a handler was set, if any. */
  get pending(): string | null {
    return this.early;
  }

  /** From now on every request goes to `handler`. */
  handle(handler: StopHandler): void {
    this.handler = handler;
  }

  /** A request to end the run, from a signal or from anything else that must end it the same way. */
  request(reason: string, firm = true): void {
    const again = firm && this.firmSeen;
    if (firm) this.firmSeen = true;
    if (this.handler) this.handler(reason, again);
    else this.early ??= reason;
  }

  close(): void {
    this.closed = true;
    for (const s of SIGNALS) process.off(s, this.listener);
  }
}
