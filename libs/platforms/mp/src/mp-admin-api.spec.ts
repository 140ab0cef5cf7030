import { createMpMenu, createMpQrCode, getMpMenu, mpQrCodeImageUrl } from './mp-admin-api';
import { MemoryMpTokens, mpPlatformErrorOf, ScriptedMpHttp } from './mp-test-fakes';

const CFG = { appId: 'wx0123456789abcdef', appSecret: 'c'.repeat(32), apiBaseUrl: 'https://api.weixin.qq.com' };
const TOKEN = { body: { access_token: 'TOKEN_1', expires_in: 7200 } };

describe('createMpMenu', () => {
  it('POSTs {button} to menu/create with the access token', async () => {
    const http = new ScriptedMpHttp().script('/cgi-bin/stable_token', TOKEN).script('/cgi-bin/menu/create', { body: { errcode: 0, errmsg: 'ok' } });
    const menu = { button: [{ name: '今日歌曲', type: 'click' as const, key: 'V1001' }] };
    await createMpMenu({ http, tokens: new MemoryMpTokens() }, CFG, menu);
    const [call] = http.calls('/cgi-bin/menu/create');
    expect(call?.method).toBe('POST');
    expect(new URL(call!.url).searchParams.get('access_token')).toBe('TOKEN_1');
    expect(http.jsonBodies('/cgi-bin/menu/create')).toEqual([menu]);
  });

  it('maps 48001 to PERMISSION with its platform code', async () => {
    const http = new ScriptedMpHttp().script('/cgi-bin/stable_token', TOKEN).script('/cgi-bin/menu/create', { body: { errcode: 48001, errmsg: 'api unauthorized' } });
    const err = await mpPlatformErrorOf(createMpMenu({ http, tokens: new MemoryMpTokens() }, CFG, { button: [] }));
    expect(err).toMatchObject({ code: 'PERMISSION', platformCode: '48001', retryable: false });
  });
});

describe('getMpMenu', () => {
  it('GETs menu/get and normalizes sub_button: [] and {list: […]}', async () => {
    const http = new ScriptedMpHttp()
      .script('/cgi-bin/stable_token', TOKEN)
      .script('/cgi-bin/menu/get', {
        body: {
          menu: {
            button: [
              { type: 'click', name: '今日歌曲', key: 'V1001', sub_button: [] },
              { name: '菜单', sub_button: [{ type: 'view', name: '搜索', url: 'http://www.soso.com/', sub_button: [] }] },
              { name: '更多', sub_button: { list: [{ type: 'media_id', name: '图片', media_id: 'MEDIA' }] } },
            ],
            menuid: 208396938,
          },
        },
      });
    const menu = await getMpMenu({ http, tokens: new MemoryMpTokens() }, CFG);
    expect(http.calls('/cgi-bin/menu/get')[0]?.method).toBe('GET');
    expect(menu).toEqual({
      button: [
        { type: 'click', name: '今日歌曲', key: 'V1001' },
        { name: '菜单', sub_button: [{ type: 'view', name: '搜索', url: 'http://www.soso.com/' }] },
        // Types the console does not edit are kept as they are.
        { name: '更多', sub_button: [{ type: 'media_id', name: '图片', media_id: 'MEDIA' }] },
      ],
    });
  });

  it('46003 (no menu) is null; other errors are thrown', async () => {
    const http = new ScriptedMpHttp()
      .script('/cgi-bin/stable_token', TOKEN)
      .script('/cgi-bin/menu/get', { body: { errcode: 46003, errmsg: 'menu no exist' } }, { body: { errcode: 40164, errmsg: 'invalid ip 1.2.3.4, not in whitelist' } });
    const ctx = { http, tokens: new MemoryMpTokens() };
    expect(await getMpMenu(ctx, CFG)).toBeNull();
    expect(await mpPlatformErrorOf(getMpMenu(ctx, CFG))).toMatchObject({ code: 'CONFIG', platformCode: '40164' });
  });
});

describe('createMpQrCode', () => {
  it('permanent: QR_LIMIT_STR_SCENE with scene_str, no expiry', async () => {
    const http = new ScriptedMpHttp()
      .script('/cgi-bin/stable_token', TOKEN)
      .script('/cgi-bin/qrcode/create', { body: { ticket: 'gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL2taZ2Z3TVRtNzJXV1Brb3ZhYmJJAAIEZ23sUwMEmm3sUw==', url: 'http://weixin.qq.com/q/kZgfwMTm72WWPkovabbI' } });
    const res = await createMpQrCode({ http, tokens: new MemoryMpTokens() }, CFG, { scene: 'store-12', permanent: true, expireSeconds: 60 });
    expect(http.jsonBodies('/cgi-bin/qrcode/create')).toEqual([{ action_name: 'QR_LIMIT_STR_SCENE', action_info: { scene: { scene_str: 'store-12' } } }]);
    expect(res).toEqual({ ticket: expect.stringMatching(/^gQH47/), url: 'http://weixin.qq.com/q/kZgfwMTm72WWPkovabbI' });
  });

  it('temporary: QR_STR_SCENE with expire_seconds, the granted lifetime returned', async () => {
    const http = new ScriptedMpHttp()
      .script('/cgi-bin/stable_token', TOKEN)
      .script('/cgi-bin/qrcode/create', { body: { ticket: 'T', expire_seconds: 604800, url: 'http://weixin.qq.com/q/x' } });
    const res = await createMpQrCode({ http, tokens: new MemoryMpTokens() }, CFG, { scene: 'promo', permanent: false, expireSeconds: 604800 });
    expect(http.jsonBodies('/cgi-bin/qrcode/create')).toEqual([{ expire_seconds: 604800, action_name: 'QR_STR_SCENE', action_info: { scene: { scene_str: 'promo' } } }]);
    expect(res).toEqual({ ticket: 'T', url: 'http://weixin.qq.com/q/x', expireSeconds: 604800 });
  });

  it('an answer without a ticket is an error; 48001 is PERMISSION', async () => {
    const http = new ScriptedMpHttp()
      .script('/cgi-bin/stable_token', TOKEN)
      .script('/cgi-bin/qrcode/create', { body: { url: 'http://weixin.qq.com/q/x' } }, { body: { errcode: 48001, errmsg: 'api unauthorized' } });
    const ctx = { http, tokens: new MemoryMpTokens() };
    expect(await mpPlatformErrorOf(createMpQrCode(ctx, CFG, { scene: 's', permanent: true }))).toMatchObject({ code: 'UNKNOWN' });
    expect(await mpPlatformErrorOf(createMpQrCode(ctx, CFG, { scene: 's', permanent: true }))).toMatchObject({ code: 'PERMISSION', platformCode: '48001' });
  });

  it('the image URL carries the ticket URL-encoded', () => {
    expect(mpQrCodeImageUrl('gQ+a/b==')).toBe('https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=gQ%2Ba%2Fb%3D%3D');
  });
});
