import { useCallback, useEffect, useRef, useState } from 'react';
import type { RequestState } from './useRequest';

export interface PollingState<T> extends RequestState<T> {
  /** A background refresh is running (the data stays on screen meanwhile). */
  refreshing: boolean;
}

/**
 * Like useRequest, and then refreshes every `intervalMs` in the background (skipped while the tab is
 * hidden or a refresh is still running). A failed refresh keeps the last data and sets `error`.
 */
export function usePolling<T>(
  load: (signal: AbortSignal) => Promise<T>,
  key: string | null,
  intervalMs: number,
): PollingState<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(key !== null);
  const [refreshing, setRefreshing] = useState(false);
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    if (key === null) {
      setLoading(false);
      return;
    }
    let disposed = false;
    let inFlight: AbortController | null = null;

    const run = (initial: boolean) => {
      if (inFlight) return;
      const controller = new AbortController();
      inFlight = controller;
      if (initial) setLoading(true);
      else setRefreshing(true);
      loadRef.current(controller.signal).then(
        (result) => {
          if (disposed || controller.signal.aborted) return;
          inFlight = null;
          setData(result);
          setError(null);
          setLoading(false);
          setRefreshing(false);
        },
        (err: unknown) => {
          if (disposed || controller.signal.aborted) return;
          inFlight = null;
          setError(err);
          setLoading(false);
          setRefreshing(false);
        },
      );
    };

    setError(null);
    run(true);
    const timer = window.setInterval(() => {
      if (typeof document !== 'undefined' && document.hidden) return;
      run(false);
    }, intervalMs);
    return () => {
      disposed = true;
      window.clearInterval(timer);
      inFlight?.abort();
    };
  }, [key, generation, intervalMs]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { data, error, loading, refreshing, reload, setData };
}

/** Accepts a bare array or a `{items}` page (the API may paginate later). */
export function asList<T>(value: unknown): T[] {
  if (Array.isArray(value)) return value as T[];
  if (value && typeof value === 'object' && Array.isArray((value as { items?: unknown }).items)) {
    return (value as { items: T[] }).items;
  }
  return [];
}
