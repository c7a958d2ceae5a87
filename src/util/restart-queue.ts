// One restart at a time; requests arriving during a restart fold into at most one more.

export class RestartQueue {
  private current: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private closed = false;

  /** `run` does one full restart (stop old, start new); its errors are reported to `onError`. */
  constructor(
    private readonly run: () => Promise<void>,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  get running(): boolean {
    return this.current !== undefined;
  }
  get pending(): boolean {
    return this.queued !== undefined;
  }

  /** Ask for a restart. Resolves when a restart that began after this request has finished. */
  request(): Promise<void> {
    if (this.closed) return Promise.resolve();
    // Checked first: between one run ending and the queued one starting, `current` is briefly unset.
    if (this.queued) return this.queued;
    if (!this.current) {
      this.current = this.runOnce();
      return this.current;
    }
    // A restart is in progress: it may have read its inputs before this request, so one more
    // is needed; every further request shares that same one.
    this.queued = this.current.then(() => {
      this.queued = undefined;
      if (this.closed) return;
      this.current = this.runOnce();
      return this.current;
    });
    return this.queued;
  }

  /** Resolves when no restart is running or queued. */
  async idle(): Promise<void> {
    while (this.current || this.queued) await (this.queued ?? this.current);
  }

  /** Refuse further requests and drop a queued one (the running one finishes). */
  close(): void {
    this.closed = true;
  }

  private async runOnce(): Promise<void> {
    try {
      await this.run();
    } catch (err) {
      this.onError(err);
    } finally {
      this.current = undefined;
    }
  }
}
