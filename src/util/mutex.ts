/** One holder at a time, in the order they asked: for work that spans several awaits. */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();
  private holders = 0;

  /** Someone holds it (or waits for it): a new lock() would wait. */
  get busy(): boolean {
    return this.holders > 0;
  }

  /** Resolves with the release once every earlier holder has released. Call the release exactly once. */
  lock(): Promise<() => void> {
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const before = this.tail;
    this.tail = before.then(() => mine);
    this.holders++;
    let released = false;
    return before.then(() => () => {
      if (released) return;
      released = true;
      this.holders--;
      release();
    });
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.lock();
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
