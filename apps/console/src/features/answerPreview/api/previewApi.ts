import type { Answer, PlatformId, RenderedPart } from '@imbridge/contracts';
import { api } from '../../../api/client';

export const previewApi = {
  /** POST /api/preview/answer: the parts the platform's sender would send for `answer` (nothing is sent). */
  answer: (platform: PlatformId | string, answer: Answer, signal?: AbortSignal) =>
    api.post<{ parts: RenderedPart[] }>('/api/preview/answer', { platform, answer }, { signal }),
};
