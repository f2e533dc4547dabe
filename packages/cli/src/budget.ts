/**
 * Bytes that copies may hold in memory at once, shared by all of them. Reservations are granted
 * in the order they were asked for, so a large object is not starved by the small ones behind
 * it, and objects start (and so finish) roughly in listing order instead of all advancing at once.
 * A reservation larger than the whole budget waits until it is alone, then gets it all.
 */
export class MemoryBudget {
  private used = 0;
  private readonly waiting: { bytes: number; grant: () => void }[] = [];

  constructor(readonly total: number) {}

  /**
   * Resolves once `bytes` are available, with the function that gives them back. Rejects with
   * the signal's reason when it aborts first.
   */
  reserve(bytes: number, signal?: AbortSignal): Promise<() => void> {
    const wanted = Math.min(bytes, this.total);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.used -= wanted;
      this.grantWaiting();
    };
    if (this.waiting.length === 0 && this.used + wanted <= this.total) {
      this.used += wanted;
      return Promise.resolve(release);
    }
    signal?.throwIfAborted();
    return new Promise((resolve, reject) => {
      const waiter = {
        bytes: wanted,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      const onAbort = (): void => {
        const at = this.waiting.indexOf(waiter);
        if (at >= 0) this.waiting.splice(at, 1);
        this.grantWaiting();
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  private grantWaiting(): void {
    for (;;) {
      const next = this.waiting[0];
      if (!next || this.used + next.bytes > this.total) return;
      this.waiting.shift();
      this.used += next.bytes;
      next.grant();
    }
  }
}
