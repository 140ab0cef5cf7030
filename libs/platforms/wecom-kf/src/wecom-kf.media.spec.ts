import { platformErrorOf } from '@imbridge/platform-core/testing';
import { KF_CONFIG, MemoryTokens, ScriptedHttp } from './kf-test-fakes';
import { WecomKfAdapter } from './wecom-kf.adapter';
import { WecomKfMediaDownloader } from './wecom-kf.media';

const FILE = { body: Buffer.from('AMRDATA'), headers: { 'content-type': 'voice/amr', 'content-disposition': 'attachment; filename="v.amr"' } };

function setup(): { http: ScriptedHttp; tokens: MemoryTokens } {
  const http = new ScriptedHttp().script('/cgi-bin/gettoken', { body: { errcode: 0, errmsg: 'ok', access_token: 'KF_TOKEN', expires_in: 7200 } });
  return { http, tokens: new MemoryTokens() };
}

describe('WecomKfMediaDownloader (capability media-download)', () => {
  it('is the adapter’s media member', () => {
    expect(new WecomKfAdapter().media).toBeInstanceOf(WecomKfMediaDownloader);
  });

  it('downloads a kf media id with the kf app’s token from its apiBaseUrl', async () => {
    const { http, tokens } = setup();
    http.script('/cgi-bin/media/get', FILE);
    const got = await new WecomKfMediaDownloader().download({ http, tokens, config: KF_CONFIG, maxBytes: 1024 }, 'KF_MEDIA');
    expect(got).toEqual({ bytes: Buffer.from('AMRDATA'), contentType: 'voice/amr', fileName: 'v.amr' });
    const [token] = http.calls('/cgi-bin/gettoken');
    expect(new URL(token?.url ?? '').searchParams.get('corpid')).toBe(KF_CONFIG.corpId);
    const [call] = http.calls('/cgi-bin/media/get');
    const url = new URL(call?.url ?? '');
    expect(url.origin).toBe('https://kf.test');
    expect(url.searchParams.get('access_token')).toBe('KF_TOKEN');
    expect(url.searchParams.get('media_id')).toBe('KF_MEDIA');
  });

  it('an expired media id (40007) is final; a busy platform is temporary', async () => {
    const { http, tokens } = setup();
    http.script('/cgi-bin/media/get', { body: { errcode: 40007, errmsg: 'invalid media_id' } }, { body: { errcode: -1, errmsg: 'system busy' } });
    const downloader = new WecomKfMediaDownloader();
    expect(await platformErrorOf(downloader.download({ http, tokens, config: KF_CONFIG, maxBytes: 1024 }, 'GONE'))).toMatchObject({ code: 'INVALID', platformCode: '40007', retryable: false });
    expect(await platformErrorOf(downloader.download({ http, tokens, config: KF_CONFIG, maxBytes: 1024 }, 'M'))).toMatchObject({ code: 'TEMPORARY', retryable: true });
  });
});
