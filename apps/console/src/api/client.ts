import type { ApiErrorBody, I18nText } from '@imbridge/contracts';

/** A failed API call: HTTP status plus the API's error body (or one made up for non-JSON failures). */
export class ApiError extends Error {
  readonly status: number;
  readonly body: ApiErrorBody;

  constructor(body: ApiErrorBody) {
    super(body.message);
    this.name = 'ApiError';
    this.status = body.statusCode;
    this.body = body;
  }

  get code(): string {
    return this.body.code;
  }

  /** The server's message in the wanted language, when the server gave one. */
  localized(lang: 'zh' | 'en'): string {
    if (lang === 'zh' && this.body.messageZh) return this.body.messageZh;
    return this.body.message;
  }

  /** Field problems of a 400 VALIDATION_FAILED, in the shape the API documents. */
  get fieldProblems(): { field: string; message: I18nText }[] {
    if (this.code !== 'VALIDATION_FAILED' || !Array.isArray(this.body.details)) return [];
    return this.body.details.flatMap((item: unknown) => {
      if (typeof item !== 'object' || item === null) return [];
      const { field, message } = item as { field?: unknown; message?: unknown };
      if (typeof field !== 'string') return [];
      if (typeof message === 'string') return [{ field, message: { zh: message, en: message } }];
      if (typeof message === 'object' && message !== null) {
        const m = message as Partial<I18nText>;
        const zh = typeof m.zh === 'string' ? m.zh : typeof m.en === 'string' ? m.en : '';
        const en = typeof m.en === 'string' ? m.en : zh;
        if (zh || en) return [{ field, message: { zh, en } }];
      }
      return [];
    });
  }
}

export const NETWORK_ERROR_CODE = 'NETWORK_ERROR';

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}

type UnauthorizedHandler = () => void;
let unauthorizedHandler: UnauthorizedHandler | null = null;

/** The auth provider registers here; every 401 (except where the caller opts out) signs the user out. */
export function setUnauthorizedHandler(handler: UnauthorizedHandler | null): void {
  unauthorizedHandler = handler;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
  /** Handle 401 at the call site (the login form) instead of redirecting to /login. */
  skipUnauthorizedRedirect?: boolean;
}

function isErrorBody(value: unknown): value is ApiErrorBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ApiErrorBody).code === 'string' &&
    typeof (value as ApiErrorBody).message === 'string'
  );
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * fetch for the imbridge API: same-origin cookie session (the console never stores the token),
 * JSON in and out, non-2xx turned into ApiError.
 */
export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const { method = 'GET', body, signal, skipUnauthorizedRedirect = false } = options;
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';

  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError({ statusCode: 0, code: NETWORK_ERROR_CODE, message: 'Network error', messageZh: '网络错误' });
  }

  if (response.status === 204) return undefined as T;
  const data = await readJson(response);

  if (!response.ok) {
    const errorBody: ApiErrorBody = isErrorBody(data)
      ? { ...data, statusCode: response.status }
      : { statusCode: response.status, code: `HTTP_${response.status}`, message: response.statusText || `HTTP ${response.status}` };
    if (response.status === 401 && !skipUnauthorizedRedirect) unauthorizedHandler?.();
    throw new ApiError(errorBody);
  }
  return data as T;
}

export const api = {
  get: <T>(path: string, options?: Omit<RequestOptions, 'method' | 'body'>) => apiRequest<T>(path, { ...options, method: 'GET' }),
  post: <T>(path: string, body?: unknown, options?: Omit<RequestOptions, 'method' | 'body'>) =>
    apiRequest<T>(path, { ...options, method: 'POST', body }),
  put: <T>(path: string, body?: unknown, options?: Omit<RequestOptions, 'method' | 'body'>) =>
    apiRequest<T>(path, { ...options, method: 'PUT', body }),
  delete: <T = void>(path: string, options?: Omit<RequestOptions, 'method' | 'body'>) =>
    apiRequest<T>(path, { ...options, method: 'DELETE' }),
};
