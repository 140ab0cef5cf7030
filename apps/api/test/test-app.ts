import { randomBytes } from 'node:crypto';
import type { Type } from '@nestjs/common';
import { createTestDatabase, createTestRedisPrefix, freePort, testRedisUrl } from '@imbridge/testing';

export { freePort };
import { startApp, type RunningApp } from '../src/bootstrap';
import { loadConfig, type AppConfig } from '../src/config/app-config';

export const ADMIN = { username: 'admin', password: 'admin-password-for-tests' };


export interface TestApp {
  url: string;
  config: AppConfig;
  running: RunningApp;
  databaseUrl: string;
  env: Record<string, string>;
  /** Bearer token of the seeded admin. */
  adminToken: string;
  api<T = unknown>(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: T; headers: Headers }>;
  close(): Promise<void>;
}

/**
 * The real application (HTTP + worker in one process unless `role` says otherwise) on a fresh
 * database and Redis prefix, listening on 127.0.0.1.
 */
export async function startTestApp(
  extraEnv: Record<string, string> = {},
  reuse?: { databaseUrl: string; env: Record<string, string> },
  opts: { platformModules?: Type[] } = {},
): Promise<TestApp> {
  const port = await freePort();
  const databaseUrl = reuse?.databaseUrl ?? (await createTestDatabase()).url;
  const env: Record<string, string> = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: testRedisUrl(),
    IMBRIDGE_REDIS_PREFIX: createTestRedisPrefix(),
    IMBRIDGE_MASTER_KEY: randomBytes(32).toString('base64'),
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    IMBRIDGE_ALLOW_PRIVATE_URLS: 'true',
    LOG_LEVEL: process.env['IMBRIDGE_TEST_LOG_LEVEL'] ?? 'silent',
    HOST: '127.0.0.1',
    IMBRIDGE_CONSOLE_DIR: '/nonexistent-console-dir',
    ...(reuse?.env ?? {}),
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    ...extraEnv,
  };
  const config = loadConfig(env);
  const running = await startApp(config, { platformModules: opts.platformModules });
  const url = running.url ?? `http://127.0.0.1:${port}`;

  const api: TestApp['api'] = async (method, path, body, token) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // plain text answer
    }
    return { status: res.status, body: parsed as never, headers: res.headers };
  };

  let adminToken = '';
  if (config.role !== 'worker') {
    const login = await api<{ accessToken: string }>('POST', '/api/auth/login', ADMIN);
    if (login.status !== 200) throw new Error(`test admin login failed: ${login.status} ${JSON.stringify(login.body)}`);
    adminToken = login.body.accessToken;
  }
  return { url, config, running, databaseUrl, env, adminToken, api, close: () => running.close() };
}

/** The WeCom documentation's sample values (vector A1 of the protocol notes). */
export const WECOM_DOC_SAMPLE = {
  corpId: 'wx5823bf96d3bd56c7',
  token: 'QDG6eK',
  encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
};

export function wecomConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    corpId: 'ww0123456789abcdef',
    agentId: 1000002,
    secret: 'Secret_for_tests_0123456789-abcdefghijklmno', // 43 chars like a real one
    token: 'Tok3nForTests',
    encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
    ...overrides,
  };
}
