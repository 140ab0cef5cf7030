import { PlatformError, type HttpClient, type HttpRequest, type HttpResponse, type TokenProvider } from '@imbridge/platform-core';
import { readWecomConfig } from './wecom.descriptor';
import { contentDispositionFileName, downloadWecomMedia } from './wecom.media';

const CFG = readWecomConfig({
  corpId: 'ww0123456789abcdef',
  agentId: 1000002,
  secret: 'S'.repeat(43),
  token: 'Token',
  encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
  apiBaseUrl: 'https://wecom.test',
});

type Answer = { body: Buffer | object; headers: Record<string, string>; status?: number };

function fakeHttp(answers: Answer[]): HttpClient & { requests: HttpRequest[] } {
  const requests: HttpRequest[] = [];
  return {
    requests,
    async request(req: HttpRequest): Promise<HttpResponse> {
      requests.push(req);
      const path = new URL(req.url).pathname;
      const a: Answer =
        path === '/cgi-bin/gettoken' ? { body: { errcode: 0, access_token: `tok${requests.length}`, expires_in: 7200 }, headers: { 'content-type': 'application/json' } } : answers.shift()!;
      const body = Buffer.isBuffer(a.body) ? a.body : Buffer.from(JSON.stringify(a.body));
      return { status: a.status ?? 200, headers: new Headers(a.headers), body, json: <T>() => JSON.parse(body.toString()) as T };
    },
  };
}

function memoryTokens(): TokenProvider & { invalidated: string[] } {
  let current: string | null = null;
  const invalidated: string[] = [];
  return {
    invalidated,
    async get(_key, fetchToken) {
      current ??= (await fetchToken()).token;
      return current;
    },
    async invalidate(_key, failed) {
      invalidated.push(failed);
      if (current === failed) current = null;
    },
  };
}

const FILE = { body: Buffer.from('PNGDATA'), headers: { 'content-type': 'image/png', 'content-disposition': 'attachment; filename="a.png"' } };

describe('downloadWecomMedia', () => {
  it('returns the bytes, type and name; the media_id is URL-encoded', async () => {
    const http = fakeHttp([FILE]);
    const got = await downloadWecomMedia({ http, tokens: memoryTokens() }, CFG, 'id/with+chars');
    expect(got).toEqual({ bytes: Buffer.from('PNGDATA'), contentType: 'image/png', fileName: 'a.png' });
    const media = http.requests.find((r) => r.url.includes('/media/get'))!;
    expect(media.method).toBe('GET');
    expect(new URL(media.url).searchParams.get('media_id')).toBe('id/with+chars');
  });

  it('refreshes an expired token once and retries', async () => {
    const http = fakeHttp([{ body: { errcode: 42001, errmsg: 'access_token expired' }, headers: { 'content-type': 'application/json' } }, FILE]);
    const tokens = memoryTokens();
    await expect(downloadWecomMedia({ http, tokens }, CFG, 'm')).resolves.toMatchObject({ fileName: 'a.png' });
    expect(tokens.invalidated).toHaveLength(1);
    expect(http.requests.filter((r) => r.url.includes('/gettoken'))).toHaveLength(2);
  });

  it('fails for good on 40007 (expired media), temporarily on -1 and HTTP errors', async () => {
    const expired = downloadWecomMedia({ http: fakeHttp([{ body: { errcode: 40007, errmsg: 'invalid media_id' }, headers: { 'content-type': 'text/plain' } }]), tokens: memoryTokens() }, CFG, 'm');
    await expect(expired).rejects.toMatchObject({ code: 'INVALID', platformCode: '40007', retryable: false });
    const busy = downloadWecomMedia({ http: fakeHttp([{ body: { errcode: -1, errmsg: 'system busy' }, headers: { 'content-type': 'application/json' } }]), tokens: memoryTokens() }, CFG, 'm');
    await expect(busy).rejects.toMatchObject({ code: 'TEMPORARY', retryable: true });
    const http502 = downloadWecomMedia({ http: fakeHttp([{ body: Buffer.from('bad gateway'), headers: {}, status: 502 }]), tokens: memoryTokens() }, CFG, 'm');
    await expect(http502).rejects.toBeInstanceOf(PlatformError);
  });

  it('does not mistake a JSON file for an error', async () => {
    const json = { body: Buffer.from('{"errcode":1}'), headers: { 'content-type': 'application/json', 'content-disposition': 'attachment; filename="data.json"' } };
    await expect(downloadWecomMedia({ http: fakeHttp([json]), tokens: memoryTokens() }, CFG, 'm')).resolves.toMatchObject({ fileName: 'data.json' });
  });
});

describe('contentDispositionFileName', () => {
  it('prefers filename* and decodes it', () => {
    expect(contentDispositionFileName(`attachment; filename="a.png"; filename*=UTF-8''%E7%85%A7%E7%89%87.png`)).toBe('照片.png');
    expect(contentDispositionFileName('attachment; filename=plain.txt')).toBe('plain.txt');
    expect(contentDispositionFileName(`attachment; filename*=UTF-8''%E0%A4%A`)).toBeNull();
    expect(contentDispositionFileName(null)).toBeNull();
  });
});
