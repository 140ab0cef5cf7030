import type { ApiErrorBody, FaqEntryView, FaqImportReport, FaqTestResult, Paginated, RenderedPart } from '@imbridge/contracts';
import { api, ApiError, NETWORK_ERROR_CODE } from '../../../api/client';

export type { FaqEntryView };

export type FaqEntryInput = Pick<FaqEntryView, 'integrationId' | 'category' | 'question' | 'similarQuestions' | 'answer' | 'enabled'>;

export interface FaqListQuery {
  q?: string;
  category?: string;
  /** A UUID, 'null' (entries for every integration) or undefined (all). */
  integrationId?: string;
  limit: number;
  offset: number;
}

export type FaqListResult = Paginated<FaqEntryView>;
export type { FaqImportReport, FaqTestResult };

export interface FaqImportOptions {
  mode: 'append' | 'replace';
  dryRun: boolean;
  skipInvalid?: boolean;
  /** Scope of the imported entries; undefined = every integration. */
  integrationId?: string;
}

export type FaqFileFormat = 'csv' | 'xlsx';

const base = '/api/faq';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The Content-Type the import endpoint needs, from the file's name (browsers often leave `type` empty for CSV). */
export function importContentType(file: { name: string; type?: string }): string | null {
  const name = file.name.toLowerCase();
  if (name.endsWith('.xlsx')) return XLSX_TYPE;
  if (name.endsWith('.csv') || name.endsWith('.txt')) return 'text/csv';
  return null;
}

function query(params: Record<string, string | number | boolean | undefined>): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') qs.set(k, String(v));
  const s = qs.toString();
  return s ? `?${s}` : '';
}

async function errorOf(response: Response): Promise<ApiError> {
  let body: Partial<ApiErrorBody> = {};
  try {
    body = (await response.json()) as ApiErrorBody;
  } catch {
    // not JSON
  }
  return new ApiError({
    statusCode: response.status,
    code: typeof body.code === 'string' ? body.code : `HTTP_${response.status}`,
    message: typeof body.message === 'string' ? body.message : response.statusText || `HTTP ${response.status}`,
    messageZh: body.messageZh,
    details: body.details,
  });
}

/** Raw file bytes (not JSON), so this bypasses the JSON client but keeps its error shape. */
async function upload(bytes: ArrayBuffer, contentType: string, options: FaqImportOptions): Promise<FaqImportReport> {
  let response: Response;
  try {
    response = await fetch(`${base}/import${query({ mode: options.mode, dryRun: options.dryRun, skipInvalid: options.skipInvalid || undefined, integrationId: options.integrationId })}`, {
      method: 'POST',
      headers: { 'Content-Type': contentType, Accept: 'application/json' },
      body: bytes,
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError({ statusCode: 0, code: NETWORK_ERROR_CODE, message: 'Network error', messageZh: '网络错误' });
  }
  if (!response.ok) throw await errorOf(response);
  return (await response.json()) as FaqImportReport;
}

/** Downloads through fetch (cookie session) and hands the bytes to the browser as a file. */
async function download(path: string, fallbackName: string): Promise<void> {
  const response = await fetch(path, { credentials: 'same-origin' });
  if (!response.ok) throw await errorOf(response);
  const disposition = response.headers.get('content-disposition') ?? '';
  const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? fallbackName;
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export const faqApi = {
  list: (q: FaqListQuery, signal?: AbortSignal) => api.get<FaqListResult>(`${base}${query({ ...q })}`, { signal }),
  categories: (signal?: AbortSignal) => api.get<string[]>(`${base}/categories`, { signal }),
  create: (body: FaqEntryInput) => api.post<FaqEntryView>(base, body),
  update: (id: string, body: Partial<FaqEntryInput>) => api.put<FaqEntryView>(`${base}/${encodeURIComponent(id)}`, body),
  remove: (id: string) => api.delete(`${base}/${encodeURIComponent(id)}`),
  test: (body: { text: string; integrationId: string | null }) => api.post<FaqTestResult>(`${base}/test`, body),
  import: upload,
  export: (format: FaqFileFormat) => download(`${base}/export${query({ format })}`, `faq.${format}`),
  template: (format: FaqFileFormat) => download(`${base}/template${query({ format })}`, `faq-template.${format}`),
  /** Per-channel preview of an answer; null when the preview endpoint is not there (404). */
  preview: async (text: string, signal?: AbortSignal): Promise<RenderedPart[] | null> => {
    try {
      return (await api.post<{ parts: RenderedPart[] }>('/api/preview/answer', { platform: 'wecom', answer: { text } }, { signal })).parts;
    } catch (error) {
      if (error instanceof ApiError && (error.status === 404 || error.status === 405)) return null;
      throw error;
    }
  },
};
