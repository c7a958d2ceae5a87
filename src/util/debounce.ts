// Collapse a burst of events into one call, carrying every distinct item of the burst.

export class Debouncer<T> {
  private timer: NodeJS.Timeout | undefined;
  private items = new Set<T>();

  constructor(
    private readonly fn: (items: T[]) => void,
    readonly delayMs = 100,
  ) {}

  /** Record an event; the call happens `delayMs` after the last one. */
  push(item: T): void {
    this.items.add(item);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), this.delayMs);
  }

  get pending(): boolean {
    return this.timer !== undefined;
  }

  /** Call now with what has been collected (nothing happens if nothing was). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.items.size === 0) return;
    const items = [...this.items];
    this.items.clear();
    this.fn(items);
  }

  /** Drop collected events without calling. */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.items.clear();
  }
}

/**
 * Act on the first event of a burst at once; the rest of the burst (events less than `quietMs`
 * apart) makes one more call once it is over, carrying every distinct item it had. So a single
 * event costs no wait, and a burst of any length gives at most two calls.
 */
export class BurstGate<T> {
  private timer: NodeJS.Timeout | undefined;
  private rest = new Set<T>();

  constructor(
    private readonly fn: (items: T[], first: boolean) => void,
    readonly quietMs = 100,
  ) {}

  push(item: T): void {
    const first = this.timer === undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.end(), this.quietMs);
    if (first) this.fn([item], true);
    else this.rest.add(item);
  }

  /** Events after the first of a burst wait for its end. */
  get pending(): boolean {
    return this.rest.size > 0;
  }

  /** Forget the burst without calling. */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.rest.clear();
  }

  private end(): void {
    this.timer = undefined;
    if (this.rest.size === 0) return;
    const items = [...this.rest];
    this.rest.clear();
    this.fn(items, false);
  }
}
