/** Hooks shared by the views: a ticking clock and polling that pauses while the tab is hidden. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { hubNow } from './api.js';

/** The hub's "now", re-rendering every `intervalMs` (ages in tables keep counting between updates). */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(hubNow);
  useEffect(() => {
    const timer = setInterval(() => setNow(hubNow()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

export interface Poll<T> {
  data: T | undefined;
  /** Message of the last failure; cleared by the next success (the last data stays shown meanwhile). */
  error: string | undefined;
  /** HTTP status of the last failure (404 for an unknown agent or group), 0 when the hub was unreachable. */
  errorStatus: number | undefined;
  /** When the data was last loaded (browser clock). */
  loadedAt: number | undefined;
  /** Loads again now. */
  refresh: () => void;
}

/**
 * Loads with `load` now and every `intervalMs` after the previous load ended (never two at once), while the tab is
 * visible; starts over when `deps` change. A load that outlives its deps is aborted and its answer ignored.
 */
export function usePoll<T>(load: (signal: AbortSignal) => Promise<T>, intervalMs: number, deps: readonly unknown[]): Poll<T> {
  const [state, setState] = useState<Omit<Poll<T>, 'refresh'>>({ data: undefined, error: undefined, errorStatus: undefined, loadedAt: undefined });
  const refreshRef = useRef<() => void>(() => undefined);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let controller: AbortController | undefined;
    setState({ data: undefined, error: undefined, errorStatus: undefined, loadedAt: undefined });

    const run = async () => {
      clearTimeout(timer);
      if (stopped || controller !== undefined) return;
      controller = new AbortController();
      const signal = controller.signal;
      try {
        const data = await loadRef.current(signal);
        if (!stopped) setState({ data, error: undefined, errorStatus: undefined, loadedAt: Date.now() });
      } catch (error) {
        if (!stopped && !signal.aborted) {
          const status = typeof (error as { status?: unknown }).status === 'number' ? (error as { status: number }).status : undefined;
          setState((previous) => ({ ...previous, error: error instanceof Error ? error.message : String(error), errorStatus: status }));
        }
      } finally {
        controller = undefined;
        if (!stopped && document.visibilityState === 'visible') timer = setTimeout(() => void run(), intervalMs);
      }
    };
    const onVisibility = () => {
      if (document.visibilityState === 'visible') void run();
    };
    refreshRef.current = () => void run();
    document.addEventListener('visibilitychange', onVisibility);
    void run();
    return () => {
      stopped = true;
      clearTimeout(timer);
      controller?.abort();
      document.removeEventListener('visibilitychange', onVisibility);
    };
    // The caller names what the load depends on (the load itself is read through a ref).
  }, [intervalMs, ...deps]);

  return { ...state, refresh: () => refreshRef.current() };
}

/** A value kept in localStorage (falls back to memory when storage is off). */
export function useStoredState<T extends string>(key: string, initial: T, valid: (value: string) => value is T): [T, (value: T) => void] {
  const [value, setValue] = useState<T>(() => {
    try {
      const stored = localStorage.getItem(key);
      return stored !== null && valid(stored) ? stored : initial;
    } catch {
      return initial;
    }
  });
  const set = (next: T) => {
    setValue(next);
    try {
      localStorage.setItem(key, next);
    } catch {
      // Storage off: the choice lasts until reload.
    }
  };
  return [value, set];
}
