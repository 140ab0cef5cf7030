import { MpAdapter } from './mp.adapter';
import { MP_MEDIA_MAX_BYTES, MpMediaDownloader } from './mp-media';
import { MemoryMpTokens, mpPlatformErrorOf, ScriptedMpHttp } from './mp-test-fakes';

// The saved configuration as the gateway hands it over.
const CONFIG = {
  appId: 'wx0123456789abcdef',
  appSecret: 'c'.repeat(32),
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
  const http = new ScriptedMpHttp().script('/cgi-bin/stable_token', { body: { access_token: 'TOKEN_1', expires_in: 7200 } });
  return { http, tokens: new MemoryMpTokens() };
}

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
