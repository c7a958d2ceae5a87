// postgres.branches under `up`: a branch switch rewrites the repository's HEAD file (git writes
// HEAD.lock and renames it over HEAD), so we watch HEAD's directory for that one name.
import path from 'node:path';
import { type FSWatcher, watch } from 'chokidar';
import { withLateChanges } from '../util/late-changes.js';
import { firstScan } from './first-scan.js';

export class GitHeadWatch {
  private watcher: FSWatcher | undefined;
  private head: string | null = null;
  private closed: () => void = () => {};
  private stopLooks: () => void = () => {};

  constructor(
    private readonly onChange: () => void,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Watch this HEAD file (null: none), replacing what was watched before; resolves once it is watched. */
  async follow(head: string | null): Promise<void> {
    if (head === this.head) return;
    await this.close();
    this.head = head;
    if (!head) return;
    const dir = path.dirname(head);
    const watcher = watch(dir, {
      depth: 0,
      ignoreInitial: true,
      atomic: true,
      ignored: (p: string) => p !== dir && p !== head,
    });
    this.watcher = watcher;
    this.stopLooks = withLateChanges(watcher, () => this.onChange());
    watcher.on('error', (err) => this.onError(err));
    const scan = firstScan(watcher);
    this.closed = scan.cancel;
    await scan.done;
  }

  async close(): Promise<void> {
    this.closed();
    this.stopLooks();
    const w = this.watcher;
    this.watcher = undefined;
    this.head = null;
    await w?.close();
  }
}
