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
