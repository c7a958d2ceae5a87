// postgres.branches under `up`: a branch switch rewrites the repository's HEAD file (git writes
// HEAD.lock and renames it over HEAD), so we watch HEAD's directory for that one name.
import path from 'node:path';
import { type NamesWatch, watchNames } from './watch-names.js';

export class GitHeadWatch {
  private watch: NamesWatch | undefined;
  private head: string | null = null;

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
    this.watch = watchNames(path.dirname(head), (p) => p === head, this.onChange, this.onError);
    await this.watch.watching;
  }

  async close(): Promise<void> {
    const w = this.watch;
    this.watch = undefined;
    this.head = null;
    await w?.close();
  }
}
