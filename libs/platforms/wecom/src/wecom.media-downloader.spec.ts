import { MemoryTokens, platformErrorOf, ScriptedHttp } from '@imbridge/platform-core/testing';
import { WecomAdapter } from './wecom.adapter';
import { WecomMediaDownloader } from './wecom.media';

// The saved configuration as the gateway hands it over (raw, trailing slash of the base URL included).
const CONFIG = {
  corpId: 'ww0123456789abcdef',
  agentId: '1000002',
  secret: 'S'.repeat(43),
  token: 'Token',
  encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
  apiBaseUrl: 'https://wecom.test/',
};
const FILE = { body: Buffer.from('PNGDATA'), headers: { 'content-type': 'image/png', 'content-disposition': 'attachment; filename="a.png"' } };

function setup(): { http: ScriptedHttp; tokens: MemoryTokens } {
  const http = new ScriptedHttp().script('/cgi-bin/gettoken', { body: { errcode: 0, errmsg: 'ok', access_token: 'TOKEN_1', expires_in: 7200 } });
  return { http, tokens: new MemoryTokens() };
}

describe('WecomMediaDownloader (capability media-download)', () => {
  it('is the adapter’s media member', () => {
    expect(new WecomAdapter().media).toBeInstanceOf(WecomMediaDownloader);
  });

  it('reads the saved config and downloads the media id with the app token from apiBaseUrl', async () => {
    const { http, tokens } = setup();
    http.script('/cgi-bin/media/get', FILE);
    const got = await new WecomMediaDownloader().download({ http, tokens, config: CONFIG, maxBytes: 1024 }, 'MEDIA/1');
    expect(got).toEqual({ bytes: Buffer.from('PNGDATA'), contentType: 'image/png', fileName: 'a.png' });
    const [call] = http.calls('/cgi-bin/media/get');
    const url = new URL(call?.url ?? '');
    expect(url.origin).toBe('https://wecom.test');
    expect(url.searchParams.get('access_token')).toBe('TOKEN_1');
    expect(url.searchParams.get('media_id')).toBe('MEDIA/1');
  });

  it('an expired media id (40007) is final', async () => {
    const { http, tokens } = setup();
    http.script('/cgi-bin/media/get', { body: { errcode: 40007, errmsg: 'invalid media_id' } });
    const err = await platformErrorOf(new WecomMediaDownloader().download({ http, tokens, config: CONFIG, maxBytes: 1024 }, 'GONE'));
    expect(err).toMatchObject({ code: 'INVALID', platformCode: '40007', retryable: false });
  });
});
