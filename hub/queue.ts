// An unbounded single-consumer queue: producers never wait, so callbacks and
// watchers can hand work to one async loop without back-pressure or lost items.

export class AsyncQueue<T> implements AsyncIterable<T> {
  #items: T[] = [];
  #waiter: ((result: IteratorResult<T>) => void) | null = null;
  #closed = false;

  /** Adds an item; after close() items are dropped, since nobody will read them. */
  push(item: T): void {
    if (this.#closed) return;
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = null;
      waiter({ value: item, done: false });
    } else {
      this.#items.push(item);
    }
  }

  /** Ends iteration once the items already queued have been read. */
  close(): void {
    this.#closed = true;
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = null;
      waiter({ value: undefined, done: true });
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        if (this.#items.length > 0) {
          return Promise.resolve({ value: this.#items.shift() as T, done: false });
        }
        if (this.#closed) return Promise.resolve({ value: undefined, done: true });
        if (this.#waiter) return Promise.reject(new Error("AsyncQueue has a single consumer"));
        return new Promise((resolve) => this.#waiter = resolve);
      },
      // A consumer that breaks out is the only consumer, so what is left is garbage.
      return: () => {
        this.close();
        this.#items = [];
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
