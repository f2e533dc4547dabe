/**
 * A FIFO between one producer and several consumers. `push` waits while `limit` items are queued,
 * `take` waits for an item and gives `undefined` once the queue is closed and empty.
 */
export class WorkQueue<T> {
  private items: T[] = [];
  private head = 0;
  private closed = false;
  private takers: (() => void)[] = [];
  private pushers: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.items.length - this.head;
  }

  async push(item: T): Promise<void> {
    while (this.size >= this.limit && !this.closed) {
      await new Promise<void>((resolve) => this.pushers.push(resolve));
    }
    this.items.push(item);
    this.takers.shift()?.();
  }

  async take(): Promise<T | undefined> {
    while (this.size === 0) {
      if (this.closed) return undefined;
      await new Promise<void>((resolve) => this.takers.push(resolve));
    }
    const item = this.items[this.head] as T;
    this.head++;
    // Drop consumed items now and then instead of shifting the array each time.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    this.pushers.shift()?.();
    return item;
  }

  /** No more items will come: waiting consumers get `undefined` once the rest is taken. */
  close(): void {
    this.closed = true;
    for (const wake of this.takers.splice(0)) wake();
    for (const wake of this.pushers.splice(0)) wake();
  }
}
