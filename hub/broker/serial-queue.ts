/** Runs tasks one at a time in the order they were pushed (one client's publishes). */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `task` after every task pushed before it has settled; resolves or rejects with it. */
  push<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Settles once every task pushed so far has settled. */
  idle(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}
