// Requests to end the run: SIGINT (Ctrl-C), SIGTERM (`devenv down`), SIGHUP (the terminal closed).
//
// One listener for the whole run: removing a listener drops a signal node has received but not yet
// dispatched, so we switch what it does instead. Until the run can stop in order (postgres is
// spawned, detached, but the supervisor does not exist yet) a request is only noted: it must not end
// us before we have stopped postgres.
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export class SignalGate {
  private early: string | null = null;
  private handler: ((reason: string) => void) | null = null;
  private readonly listener = (signal: NodeJS.Signals) => this.request(signal);

  constructor() {
    for (const s of SIGNALS) process.on(s, this.listener);
  }

  /** The first request that came before a handler was set, if any. */
  get pending(): string | null {
    return this.early;
  }

  /** From now on every request goes to `handler`. */
  handle(handler: (reason: string) => void): void {
    this.handler = handler;
  }

  /** A request to end the run, from a signal or from anything else that must end it the same way. */
  request(reason: string): void {
    if (this.handler) this.handler(reason);
    else this.early ??= reason;
  }

  close(): void {
    for (const s of SIGNALS) process.off(s, this.listener);
  }
}
