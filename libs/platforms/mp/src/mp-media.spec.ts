import { MpAdapter } from './mp.adapter';
import { downloadMpMedia, mpContentDispositionFileName, MP_MEDIA_MAX_BYTES, MpMediaDownloader } from './mp-media';
import { MemoryMpTokens, mpPlatformErrorOf, ScriptedMpHttp } from './mp-test-fakes';

const CFG = { appId: 'wx0123456789abcdef', appSecret: 'c'.repeat(32), apiBaseUrl: 'https://api.weixin.qq.com' };
/** The whole saved configuration, as the gateway hands it to the adapter's downloader. */
const CONFIG = {
  ...CFG,
  token: 'mpToken123',
  encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
  encryptionMode: 'safe',
  accountType: 'service',
  verified: true,
  apiBaseUrl: 'https://mp.test',
};
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]);
const FILE_HEADERS = { 'content-type': 'image/jpeg', 'content-disposition': 'attachment; filename="MEDIA_1.jpg"' };

function setup(): { http: ScriptedMpHttp; tokens: MemoryMpTokens } {
  const http = new ScriptedMpHttp().script('/cgi-bin/stable_token', { body: { access_token: 'TOKEN_1', expires_in: 7200 } }, { body: { access_token: 'TOKEN_2', expires_in: 7200 } });
  return { http, tokens: new MemoryMpTokens() };
}

describe('downloadMpMedia (GET /cgi-bin/media/get)', () => {
  it('answers the bytes, the content type and the file name, with the token sent to apiBaseUrl only', async () => {
    const { http, tokens } = setup();
    http.script('/cgi-bin/media/get', { body: JPEG, headers: FILE_HEADERS });
    const got = await downloadMpMedia({ http, tokens }, CFG, 'MEDIA 1/x');
    expect(got).toEqual({ bytes: JPEG, contentType: 'image/jpeg', fileName: 'MEDIA_1.jpg' });
    const [call] = http.calls('/cgi-bin/media/get');
    const url = new URL(call!.url);
    expect(call!.method).toBe('GET');
    expect(url.origin).toBe('https://api.weixin.qq.com');
    expect(url.searchParams.get('access_token')).toBe('TOKEN_1');
    expect(url.searchParams.get('media_id')).toBe('MEDIA 1/x');
    // Every request of the download went to the API host: nothing else ever saw the token.
    expect(http.requests.map((r) => new URL(r.url).host)).toEqual(['api.weixin.qq.com', 'api.weixin.qq.com']);
  });

  it.each([40001, 42001])('on %i drops only the failed token and retries exactly once', async (errcode) => {
    const { http, tokens } = setup();
    http.script('/cgi-bin/media/get', { body: { errcode, errmsg: 'access_token expired' } }, { body: JPEG, headers: FILE_HEADERS });
    expect((await downloadMpMedia({ http, tokens }, CFG, 'M')).bytes).toEqual(JPEG);
    expect(tokens.invalidated).toEqual(['TOKEN_1']);
    expect(http.calls('/cgi-bin/media/get').map((r) => new URL(r.url).searchParams.get('access_token'))).toEqual(['TOKEN_1', 'TOKEN_2']);
  });

  it('a second token error is mapped, not retried again', async () => {
    const { http, tokens } = setup();
    http.script('/cgi-bin/media/get', { body: { errcode: 40001, errmsg: 'invalid credential' } }, { body: { errcode: 40001, errmsg: 'invalid credential' } });
    expect(await mpPlatformErrorOf(downloadMpMedia({ http, tokens }, CFG, 'M'))).toMatchObject({ code: 'AUTH_EXPIRED', platformCode: '40001' });
    expect(http.calls('/cgi-bin/media/get')).toHaveLength(2);
  });

  it('40007 (expired or unknown media_id) is final; a text/plain JSON error is still an error; HTTP 5xx is temporary', async () => {
    const { http, tokens } = setup();
    http.script(
      '/cgi-bin/media/get',
      { body: { errcode: 40007, errmsg: 'invalid media_id rid: 1-2-3' } },
      { body: '{"errcode":40164,"errmsg":"invalid ip 1.2.3.4 ipv6 ::ffff:1.2.3.4, not in whitelist"}', headers: { 'content-type': 'text/plain' } },
      { status: 502, body: 'bad gateway', headers: { 'content-type': 'text/html' } },
    );
    const expired = await mpPlatformErrorOf(downloadMpMedia({ http, tokens }, CFG, 'GONE'));
    expect(expired).toMatchObject({ code: 'INVALID', platformCode: '40007', retryable: false });
    expect(expired.message).toContain('media expired or unknown');
    expect(await mpPlatformErrorOf(downloadMpMedia({ http, tokens }, CFG, 'M'))).toMatchObject({ code: 'CONFIG', platformCode: '40164', retryable: false });
    expect(await mpPlatformErrorOf(downloadMpMedia({ http, tokens }, CFG, 'M'))).toMatchObject({ code: 'TEMPORARY', platformCode: 'HTTP_502', retryable: true });
  });

  it('refuses a file over the cap from its Content-Length, and from the bytes when the header is absent', async () => {
    const { http, tokens } = setup();
    http.script(
      '/cgi-bin/media/get',
      { body: JPEG, headers: { ...FILE_HEADERS, 'content-length': String(MP_MEDIA_MAX_BYTES + 1) } },
      { body: Buffer.alloc(101, 1), headers: FILE_HEADERS },
      { body: Buffer.alloc(100, 1), headers: FILE_HEADERS },
    );
    const byHeader = await mpPlatformErrorOf(downloadMpMedia({ http, tokens }, CFG, 'BIG'));
    expect(byHeader).toMatchObject({ code: 'INVALID', platformCode: 'TOO_LARGE', retryable: false });
    expect(byHeader.message).toContain(`more than the limit of ${MP_MEDIA_MAX_BYTES}`);
    expect(await mpPlatformErrorOf(downloadMpMedia({ http, tokens }, CFG, 'BIG', { maxBytes: 100 }))).toMatchObject({ platformCode: 'TOO_LARGE', retryable: false });
    expect((await downloadMpMedia({ http, tokens }, CFG, 'FITS', { maxBytes: 100 })).bytes).toHaveLength(100);
  });

  it('never follows a redirect: a 3xx is a final error and no request goes to the Location host', async () => {
    const { http, tokens } = setup();
    http.script('/cgi-bin/media/get', { status: 302, body: '', headers: { location: 'https://evil.example/steal' } });
    const err = await mpPlatformErrorOf(downloadMpMedia({ http, tokens }, CFG, 'M'));
    expect(err).toMatchObject({ code: 'INVALID', platformCode: 'HTTP_302', retryable: false });
    expect(http.requests.every((r) => new URL(r.url).host === 'api.weixin.qq.com')).toBe(true);
    expect(http.requests).toHaveLength(2); // stable_token + the one media/get
  });

  it('a video answer {video_url} is fetched without the token; a video_url carrying the token is refused', async () => {
    const { http, tokens } = setup();
    const mp4 = Buffer.from('....ftypmp42 video bytes');
    http
      .script('/cgi-bin/media/get', { body: { video_url: 'http://cdn.video.example/v/abc.mp4?sig=1' } }, { body: { video_url: 'http://cdn.video.example/v/x.mp4?access_token=TOKEN_1' } })
      .script('/v/abc.mp4', { body: mp4, headers: { 'content-type': 'video/mp4' } });
    const got = await downloadMpMedia({ http, tokens }, CFG, 'VIDEO');
    expect(got).toEqual({ bytes: mp4, contentType: 'video/mp4', fileName: null });
    const [cdn] = http.calls('/v/abc.mp4');
    expect(cdn!.url).toBe('http://cdn.video.example/v/abc.mp4?sig=1');
    expect(cdn!.url).not.toContain('TOKEN_1');
    expect(cdn!.headers).toBeUndefined();
    expect(await mpPlatformErrorOf(downloadMpMedia({ http, tokens }, CFG, 'VIDEO2'))).toMatchObject({ code: 'INVALID', platformCode: 'BAD_VIDEO_URL' });
    expect(http.calls('/v/x.mp4')).toHaveLength(0);
  });

  it('an empty media_id is refused without a request', async () => {
    const { http, tokens } = setup();
    expect(await mpPlatformErrorOf(downloadMpMedia({ http, tokens }, CFG, ''))).toMatchObject({ code: 'INVALID', retryable: false });
    expect(http.requests).toHaveLength(0);
  });
});

describe('mpContentDispositionFileName', () => {
  it('prefers filename* (RFC 6266), falls back to filename, null when absent', () => {
    expect(mpContentDispositionFileName(`attachment; filename="a.jpg"; filename*=UTF-8''%E5%9B%BE%E7%89%87.jpg`)).toBe('图片.jpg');
    expect(mpContentDispositionFileName('attachment; filename=b.amr')).toBe('b.amr');
    expect(mpContentDispositionFileName(`attachment; filename="c.mp4"; filename*=UTF-8''%E5%9B`)).toBe('c.mp4');
    expect(mpContentDispositionFileName('attachment')).toBeNull();
    expect(mpContentDispositionFileName(null)).toBeNull();
  });
});

describe('MpMediaDownloader (capability media-download)', () => {
  it('is the adapter’s media member', () => {
    expect(new MpAdapter().media).toBeInstanceOf(MpMediaDownloader);
  });

  it('reads the saved config and downloads by MediaId, the token going to apiBaseUrl only', async () => {
    const { http, tokens } = setup();
    http.script('/cgi-bin/media/get', { body: JPEG, headers: FILE_HEADERS });
    const got = await new MpMediaDownloader().download({ http, tokens, config: CONFIG, maxBytes: 1024 }, 'MEDIA_1');
    expect(got).toEqual({ bytes: JPEG, contentType: 'image/jpeg', fileName: 'MEDIA_1.jpg' });
    const [call] = http.calls('/cgi-bin/media/get');
    expect(new URL(call?.url ?? '').searchParams.get('media_id')).toBe('MEDIA_1');
    expect(http.requests.map((r) => new URL(r.url).host)).toEqual(['mp.test', 'mp.test']);
  });

  it('refuses above the smaller of the gateway’s cap and WeChat’s media limit', async () => {
    const { http, tokens } = setup();
    http.script(
      '/cgi-bin/media/get',
      { body: Buffer.alloc(101, 1), headers: FILE_HEADERS },
      { body: Buffer.alloc(100, 1), headers: FILE_HEADERS },
      { body: JPEG, headers: { ...FILE_HEADERS, 'content-length': String(MP_MEDIA_MAX_BYTES + 1) } },
    );
    const downloader = new MpMediaDownloader();
    // The gateway's cap is the smaller one.
    const overGateway = await mpPlatformErrorOf(downloader.download({ http, tokens, config: CONFIG, maxBytes: 100 }, 'BIG'));
    expect(overGateway).toMatchObject({ code: 'INVALID', platformCode: 'TOO_LARGE', retryable: false });
    expect(overGateway.message).toContain('more than the limit of 100');
    expect((await downloader.download({ http, tokens, config: CONFIG, maxBytes: 100 }, 'FITS')).bytes).toHaveLength(100);
    // WeChat's limit is the smaller one.
    const overWechat = await mpPlatformErrorOf(downloader.download({ http, tokens, config: CONFIG, maxBytes: MP_MEDIA_MAX_BYTES * 4 }, 'HUGE'));
    expect(overWechat).toMatchObject({ platformCode: 'TOO_LARGE', retryable: false });
    expect(overWechat.message).toContain(`more than the limit of ${MP_MEDIA_MAX_BYTES}`);
  });
});
