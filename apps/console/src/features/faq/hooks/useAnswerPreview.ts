import { useEffect, useState } from 'react';
import type { RenderedPart } from '@imbridge/contracts';
import { faqApi } from '../api/faqApi';

/**
 * The answer as WeCom would show it, debounced while typing. Null while unknown, and for good once
 * the preview endpoint answers 404 (an older server): the preview is then hidden quietly.
 */
export function useAnswerPreview(text: string | undefined, enabled: boolean): RenderedPart[] | null {
  const [parts, setParts] = useState<RenderedPart[] | null>(null);
  const [unavailable, setUnavailable] = useState(false);

  useEffect(() => {
    const value = (text ?? '').trim();
    if (!enabled || unavailable || !value) {
      setParts(null);
      return;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => {
      faqApi.preview(value, controller.signal).then(
        (result) => {
          if (controller.signal.aborted) return;
          if (result === null) setUnavailable(true);
          setParts(result);
        },
        () => {
          if (!controller.signal.aborted) setParts(null);
        },
      );
    }, 400);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [text, enabled, unavailable]);

  return unavailable ? null : parts;
}
