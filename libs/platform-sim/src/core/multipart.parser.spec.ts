import { multipartBoundary, parseMultipart } from './multipart.parser';

describe('multipart parser', () => {
  it('parses the WeCom doc example (no space after ;, filelength parameter)', () => {
    const body = Buffer.from(
      '--acebdf13572468\r\n' +
        'Content-Disposition: form-data; name="media";filename="wework.txt"; filelength=6\r\n' +
        'Content-Type: application/octet-stream\r\n\r\n' +
        'mytext\r\n' +
        '--acebdf13572468--\r\n',
    );
    const boundary = multipartBoundary('multipart/form-data; boundary=acebdf13572468');
    expect(boundary).toBe('acebdf13572468');
    const parts = parseMultipart(body, boundary as string);
    expect(parts).toHaveLength(1);
    expect(parts?.[0]).toMatchObject({ name: 'media', fileName: 'wework.txt', contentType: 'application/octet-stream' });
    expect(parts?.[0].data.toString()).toBe('mytext');
  });

  it('parses what fetch/FormData sends, binary-safe, with several parts', async () => {
    const bytes = Buffer.from([0, 1, 2, 13, 10, 45, 45, 255, 254, 13, 10]);
    const form = new FormData();
    form.append('note', 'hi');
    form.append('media', new Blob([bytes], { type: 'image/png' }), '图片.png');
    const req = new Request('http://x.invalid/', { method: 'POST', body: form });
    const boundary = multipartBoundary(req.headers.get('content-type') ?? undefined);
    const parts = parseMultipart(Buffer.from(await req.arrayBuffer()), boundary as string);
    expect(parts?.map((p) => p.name)).toEqual(['note', 'media']);
    const media = parts?.[1];
    expect(media?.contentType).toBe('image/png');
    expect(media?.data.equals(bytes)).toBe(true);
    expect(media?.fileName).toBe('图片.png');
  });

  it('rejects non-multipart content types and malformed bodies', () => {
    expect(multipartBoundary('application/json')).toBeUndefined();
    expect(multipartBoundary(undefined)).toBeUndefined();
    expect(multipartBoundary('multipart/form-data; boundary="quoted b"')).toBe('quoted b');
    expect(parseMultipart(Buffer.from('no boundary here'), 'abc')).toBeUndefined();
    expect(parseMultipart(Buffer.from('--abc\r\nContent-Disposition: form-data; name="a"\r\n\r\nunterminated'), 'abc')).toBeUndefined();
  });
});
