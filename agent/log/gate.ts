/** A promise with its resolve/reject handles: one per open batch, shared by all its records. */
export interface Gate {
  promise: Promise<void>;
  resolve(): void;
  reject(error: Error): void;
}

/** Creates a gate whose promise never causes an unhandled-rejection crash (callers attach handlers later). */
export function createGate(): Gate {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}
