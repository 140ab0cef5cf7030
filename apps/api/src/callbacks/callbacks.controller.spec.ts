import { parseRawQuery } from './callbacks.controller';

const ECHOSTR = 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==';

describe('parseRawQuery', () => {
  it('returns an empty object without a query string', () => {
    expect(parseRawQuery('/callbacks/some-platform/abc')).toEqual({});
    expect(parseRawQuery('/callbacks/some-platform/abc?')).toEqual({});
    expect(parseRawQuery('')).toEqual({});
  });

  it('reads signed verification parameters with a base64 echostr', () => {
    const url = `/callbacks/some-platform/abc?msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3&timestamp=1409659589&nonce=263014780&echostr=${ECHOSTR}`;
    expect(parseRawQuery(url)).toEqual({
      msg_signature: '5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3',
      timestamp: '1409659589',
      nonce: '263014780',
      echostr: ECHOSTR,
    });
  });

  it("keeps '+' as '+' (not a space)", () => {
    expect(parseRawQuery('/x?echostr=a+b++c')).toEqual({ echostr: 'a+b++c' });
  });

  it('decodes percent-escapes, including %2B and %2F', () => {
    expect(parseRawQuery('/x?echostr=a%2Bb%2Fc%3D%3D')).toEqual({ echostr: 'a+b/c==' });
    expect(parseRawQuery('/x?echostr=a%2bb%2fc')).toEqual({ echostr: 'a+b/c' });
    expect(parseRawQuery(`/x?echostr=${encodeURIComponent(ECHOSTR)}`)).toEqual({ echostr: ECHOSTR });
  });

  it('decodes once only', () => {
    expect(parseRawQuery('/x?a=%252B')).toEqual({ a: '%2B' });
  });

  it('decodes UTF-8 and space escapes', () => {
    expect(parseRawQuery('/x?name=%E4%BD%A0%E5%A5%BD&s=a%20b')).toEqual({ name: '你好', s: 'a b' });
  });

  it('decodes keys too', () => {
    expect(parseRawQuery('/x?msg%5Fsignature=abc')).toEqual({ msg_signature: 'abc' });
  });

  it('keeps "=" inside a value', () => {
    expect(parseRawQuery('/x?echostr=abc==&n=1')).toEqual({ echostr: 'abc==', n: '1' });
  });

  it('reads a parameter without "=" as empty, and skips empty parts', () => {
    expect(parseRawQuery('/x?flag&&a=1&')).toEqual({ flag: '', a: '1' });
    expect(parseRawQuery('/x?a=')).toEqual({ a: '' });
  });

  it.each([
    '/x?timestamp=1&timestamp=2',
    '/x?a=1&b=2&a=1',
    '/x?a&a',
    '/x?a=1&%61=2',
    '/x?__proto__=1&__proto__=2',
  ])('refuses the repeated parameter in %s', (url) => {
    expect(parseRawQuery(url)).toBeNull();
  });

  it.each(['/x?a=%', '/x?a=%zz', '/x?a=%E4%BD', '/x?a=%C0%AF', '/x?%=1', '/x?a=%ED%A0%80'])('refuses the bad encoding in %s', (url) => {
    expect(parseRawQuery(url)).toBeNull();
  });

  it('treats Object.prototype names as ordinary parameters', () => {
    const query = parseRawQuery('/x?__proto__=p&constructor=c');
    expect(query?.['__proto__']).toBe('p');
    expect(query?.['constructor']).toBe('c');
    expect(query === null ? [] : Object.keys(query)).toEqual(['__proto__', 'constructor']);
  });

  it('reads an absent Object.prototype name as undefined', () => {
    const query = parseRawQuery('/x?a=1');
    expect(query?.['toString']).toBeUndefined();
    expect(query?.['hasOwnProperty']).toBeUndefined();
  });
});

/** The previous implementation (split, then decode every part), as the oracle for generated queries. */
function legacyParseRawQuery(url: string): Record<string, string> | null {
  const q = url.indexOf('?');
  const out = Object.create(null) as Record<string, string>;
  if (q < 0) return out;
  for (const part of url.slice(q + 1).split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
      value = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1));
    } catch {
      return null;
    }
    if (Object.hasOwn(out, key)) return null;
    out[key] = value;
  }
  return out;
}

describe('parseRawQuery against the previous implementation', () => {
  it('reads generated queries the same way (escapes, repeats, empty parts, "=" in values)', () => {
    const pieces = ['a', 'b', 'timestamp', 'nonce', '%61', '%', '%zz', '%E4%BD%A0', '%E4%BD', '+', '=', '==', '&', '&&', '1', '__proto__', 'x%2By', '%ED%A0%80', '?'];
    let seed = 11;
    const next = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 8;
    };
    let refused = 0;
    for (let t = 0; t < 20_000; t++) {
      let query = '';
      const len = next() % 9;
      for (let k = 0; k < len; k++) query += pieces[next() % pieces.length];
      const url = next() % 10 === 0 ? `/x${query}` : `/x?${query}`;
      const expected = legacyParseRawQuery(url);
      if (expected === null) refused++;
      expect([url, parseRawQuery(url)]).toEqual([url, expected]);
    }
    expect(refused).toBeGreaterThan(1_000);
  });
});
