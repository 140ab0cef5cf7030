import type { ReactElement } from 'react';
import { render, type RenderResult } from '@testing-library/react';
import type { UserView } from '@imbridge/contracts';
import { MemoryRouter } from 'react-router-dom';
import { vi, type Mock } from 'vitest';
import { AppRoutes, ThemedApp } from '../App';
import { AuthProvider } from '../features/auth/components/AuthProvider';
import { I18nProvider, type Lang } from '../i18n';

export interface RenderOptions {
  route?: string;
  lang?: Lang;
  /** undefined: the app asks GET /api/auth/me (mock it); null: signed out. */
  user?: UserView | null;
}

/** The whole console (routes, providers) at `route`, as a user would see it. */
export function renderApp({ route = '/', lang = 'zh', user }: RenderOptions = {}): RenderResult {
  return render(
    <I18nProvider initialLang={lang}>
      <ThemedApp>
        <AuthProvider initialUser={user}>
          <MemoryRouter initialEntries={[route]}>
            <AppRoutes />
          </MemoryRouter>
        </AuthProvider>
      </ThemedApp>
    </I18nProvider>,
  );
}

export function renderWithProviders(ui: ReactElement, { lang = 'zh', route = '/' }: { lang?: Lang; route?: string } = {}) {
  return render(
    <I18nProvider initialLang={lang}>
      <ThemedApp>
        <MemoryRouter initialEntries={[route]}>{ui}</MemoryRouter>
      </ThemedApp>
    </I18nProvider>,
  );
}

export interface MockRoute {
  method?: string;
  path: string | RegExp;
  status?: number;
  body?: unknown;
}

export interface RecordedCall {
  method: string;
  path: string;
  body: unknown;
  credentials: RequestCredentials | undefined;
}

/** Replaces global fetch with a small router over `routes`; unmatched calls get 404. */
export function mockFetch(routes: MockRoute[]): { fetch: Mock; calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const path = typeof input === 'string' ? input : input instanceof URL ? input.pathname : input.url;
    const method = (init?.method ?? 'GET').toUpperCase();
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
    calls.push({ method, path, body, credentials: init?.credentials });
    const route = routes.find(
      (r) => (r.method ?? 'GET').toUpperCase() === method && (typeof r.path === 'string' ? r.path === path : r.path.test(path)),
    );
    const status = route ? (route.status ?? 200) : 404;
    const payload = route ? route.body : { statusCode: 404, code: 'NOT_FOUND', message: `No mock for ${method} ${path}` };
    return new Response(status === 204 || payload === undefined ? null : JSON.stringify(payload), {
      status,
      headers: { 'Content-Type': 'application/json' },
    });
  });
  vi.stubGlobal('fetch', fetchMock);
  return { fetch: fetchMock, calls };
}
