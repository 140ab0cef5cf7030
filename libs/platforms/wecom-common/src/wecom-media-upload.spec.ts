import { wecomErrorMapper } from './wecom-errors';
import { uploadWecomMediaFile, WECOM_UPLOAD_MAX_BYTES, wecomUploadTooLarge } from './wecom-media-upload';
import { MemoryWecomTokens, platformErrorOf, ScriptedWecomHttp } from './wecom-test-fakes';

const CFG = { corpId: 'ww0123456789abcdef', secret: 'S'.repeat(43), apiBaseUrl: 'https://wecom.test' };
const ERRORS = { label: 'WeCom test', mapError: wecomErrorMapper('WeCom test', {}) };
const FILE = { bytes: Buffer.from('\x89PNG-bytes'), fileName: '图.png', contentType: 'image/png' };
const token = (t: string) => ({ body: { errcode: 0, access_token: t, expires_in: 7200 } });

const rejection = platformErrorOf;

describe('uploadWecomMediaFile', () => {
  it('posts the file as multipart field "media" with its name and type, and returns the media_id', async () => {
    const http = new ScriptedWecomHttp().script('/cgi-bin/gettoken', token('T')).script('/cgi-bin/media/upload', { body: { errcode: 0, type: 'image', media_id: 'M1' } });
    await expect(uploadWecomMediaFile({ http, tokens: new MemoryWecomTokens() }, CFG, 'image', FILE, ERRORS)).resolves.toBe('M1');
    const req = http.calls('/cgi-bin/media/upload')[0]!;
    expect(req.url).toBe('https://wecom.test/cgi-bin/media/upload?access_token=T&type=image');
    const media = (req.body as FormData).get('media') as File;
    expect(media.name).toBe('图.png');
    expect(media.type).toBe('image/png');
    expect(Buffer.from(await media.arrayBuffer()).equals(FILE.bytes)).toBe(true);
  });

  it('builds a fresh form for the retry after a token error', async () => {
    const http = new ScriptedWecomHttp()
      .script('/cgi-bin/gettoken', token('OLD'), token('NEW'))
      .script('/cgi-bin/media/upload', { body: { errcode: 40014, errmsg: 'invalid access_token' } }, { body: { errcode: 0, media_id: 'M2' } });
    await expect(uploadWecomMediaFile({ http, tokens: new MemoryWecomTokens() }, CFG, 'file', FILE, ERRORS)).resolves.toBe('M2');
    const [first, second] = http.calls('/cgi-bin/media/upload');
    expect(first?.body).toBeInstanceOf(FormData);
    expect(second?.body).not.toBe(first?.body);
  });

  it('refuses files of 5 bytes or less before calling, and an answer without media_id', async () => {
    const http = new ScriptedWecomHttp().script('/cgi-bin/gettoken', token('T')).script('/cgi-bin/media/upload', { body: { errcode: 0 } });
    const ctx = { http, tokens: new MemoryWecomTokens() };
    expect(await rejection(uploadWecomMediaFile(ctx, CFG, 'image', { ...FILE, bytes: Buffer.from('12345') }, ERRORS))).toMatchObject({ code: 'INVALID', platformCode: 'MEDIA_TOO_SMALL' });
    expect(http.requests).toHaveLength(0);
    expect(await rejection(uploadWecomMediaFile(ctx, CFG, 'image', FILE, ERRORS))).toMatchObject({ code: 'TEMPORARY', platformCode: 'NO_MEDIA_ID' });
  });
});

describe('wecomUploadTooLarge', () => {
  it('allows up to 10 MB images and 20 MB files', () => {
    expect(wecomUploadTooLarge({ kind: 'image', bytes: Buffer.alloc(WECOM_UPLOAD_MAX_BYTES.image) })).toBeUndefined();
    expect(wecomUploadTooLarge({ kind: 'image', bytes: Buffer.alloc(WECOM_UPLOAD_MAX_BYTES.image + 1) })).toMatchObject({ code: 'INVALID', platformCode: 'MEDIA_TOO_LARGE' });
    expect(wecomUploadTooLarge({ kind: 'file', bytes: Buffer.alloc(WECOM_UPLOAD_MAX_BYTES.image + 1) })).toBeUndefined();
    expect(wecomUploadTooLarge({ kind: 'file', bytes: Buffer.alloc(WECOM_UPLOAD_MAX_BYTES.file + 1) })?.message).toBe(`file is ${WECOM_UPLOAD_MAX_BYTES.file + 1} bytes; WeCom accepts at most ${WECOM_UPLOAD_MAX_BYTES.file}`);
  });
});
