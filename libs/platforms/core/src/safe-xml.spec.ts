import { cdata, parseSafeXml, XmlRejected, xmlRequiredText, xmlRoot, xmlText, type XmlObject } from './safe-xml';

/** Parses `<xml>…</xml>` and returns the root's children. */
function root(inner: string): XmlObject {
  return xmlRoot(parseSafeXml(`<xml>${inner}</xml>`));
}

function rejection(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(XmlRejected);
    return (err as XmlRejected).message;
  }
  throw new Error('expected an XmlRejected, nothing was thrown');
}

/** A well-formed document nested `depth` elements deep (the root counts as 1). */
function nested(depth: number): string {
  let xml = 'x';
  for (let i = depth; i >= 1; i--) xml = `<e${i}>${xml}</e${i}>`;
  return xml;
}

describe('parseSafeXml', () => {
  describe('values', () => {
    it.each(['00123', '1e5', '0x10', 'true', 'false', '-0', '1.50', 'null', ' 42 ', 'NaN'])('keeps %p as the exact string', (value) => {
      expect(root(`<A>${value}</A>`)['A']).toBe(value);
      expect(root(`<A>${cdata(value)}</A>`)['A']).toBe(value);
    });

    it('keeps a 64-bit MsgId exact (no number rounding)', () => {
      expect(root('<MsgId>7241935837346153482</MsgId>')['MsgId']).toBe('7241935837346153482');
    });

    it('returns the empty string for empty elements', () => {
      const x = root('<A></A><B/><C><![CDATA[]]></C><D />');
      expect(x).toEqual({ A: '', B: '', C: '', D: '' });
      expect(xmlText(x, 'A')).toBe('');
      expect(xmlRequiredText(x, 'B')).toBe('');
    });

    it('returns an empty object for an empty root', () => {
      expect(xmlRoot(parseSafeXml('<xml></xml>'))).toEqual({});
      expect(xmlRoot(parseSafeXml('<xml/>'))).toEqual({});
    });

    it('ignores attributes, the XML declaration, comments and processing instructions', () => {
      const doc = parseSafeXml('<?xml version="1.0" encoding="UTF-8"?><!-- hi --><xml a="1"><?pi x?><A b="2">v</A></xml>');
      expect(xmlRoot(doc)).toEqual({ A: 'v' });
    });

    it('accepts a Buffer and a string alike, including non-ASCII text', () => {
      const xml = '<xml><Content><![CDATA[你好 👋 café]]></Content></xml>';
      expect(xmlRoot(parseSafeXml(Buffer.from(xml, 'utf8')))['Content']).toBe('你好 👋 café');
      expect(xmlRoot(parseSafeXml(xml))['Content']).toBe('你好 👋 café');
    });
  });

  describe('whitespace', () => {
    it('keeps leading, trailing and inner spaces, tabs and newlines in text', () => {
      expect(root('<A>  a \t b\n\n c  </A>')['A']).toBe('  a \t b\n\n c  ');
    });

    it('keeps whitespace-only content', () => {
      expect(root('<A>   </A>')['A']).toBe('   ');
      expect(root('<A>\n</A>')['A']).toBe('\n');
      expect(root(`<A>${cdata(' \n\t ')}</A>`)['A']).toBe(' \n\t ');
    });

    it('keeps CDATA content byte-exact', () => {
      const text = '  line 1\n\tline 2  \n\n  ';
      expect(root(`<Content>${cdata(text)}</Content>`)['Content']).toBe(text);
    });

    it('keeps the text of mixed text and CDATA in order', () => {
      expect(root('<A> x <![CDATA[ y ]]> z </A>')['A']).toBe(' x  y  z ');
    });

    it('normalizes CRLF and lone CR to LF, as XML 1.0 §2.11 requires', () => {
      expect(root('<A>a\r\nb\rc</A>')['A']).toBe('a\nb\nc');
      expect(root('<A><![CDATA[a\r\nb]]></A>')['A']).toBe('a\nb');
    });

    it('keeps a character reference to CR (the way to send one)', () => {
      expect(root('<A>a&#13;&#10;b</A>')['A']).toBe('a\r\nb');
    });
  });

  describe('entities', () => {
    it('decodes the five predefined entities', () => {
      expect(root('<A>&lt;b&gt; &amp; &quot;q&quot; &apos;s&apos;</A>')['A']).toBe('<b> & "q" \'s\'');
    });

    it('decodes only once (&amp;lt; is the text "&lt;")', () => {
      expect(root('<A>&amp;lt;&amp;amp;&amp;#60;</A>')['A']).toBe('&lt;&amp;&#60;');
    });

    it('decodes decimal and hexadecimal character references', () => {
      expect(root('<A>&#60;&#x3C;&#x3c;&#20320;&#x1F600;</A>')['A']).toBe('<<<你😀');
    });

    it('leaves references inside CDATA as written', () => {
      expect(root('<A><![CDATA[&lt;&amp;&#60;]]></A>')['A']).toBe('&lt;&amp;&#60;');
    });

    it('does not decode HTML entities', () => {
      expect(root('<A>&nbsp;&copy;</A>')['A']).toBe('&nbsp;&copy;');
    });

    it('does not resolve names that exist on Object.prototype', () => {
      expect(root('<A>&toString;&constructor;</A>')['A']).toBe('&toString;&constructor;');
    });

    it.each(['&#0;', '&#x0;', '&#1;', '&#xD800;', '&#xFFFE;', '&#x110000;'])('refuses the character reference %s', (ref) => {
      expect(rejection(() => root(`<A>${ref}</A>`))).toMatch(/character reference/);
    });
  });

  describe('CDATA', () => {
    it('treats <!DOCTYPE html> inside CDATA as content', () => {
      const text = '<!DOCTYPE html><html><body>hi</body></html>';
      expect(root(`<Content>${cdata(text)}</Content>`)['Content']).toBe(text);
    });

    it('treats <!ENTITY …> and markup inside CDATA as content', () => {
      const text = '<!ENTITY x SYSTEM "file:///etc/passwd"> &x; <xml><a>b</a></xml> <?php ?> <!-- c -->';
      expect(root(`<Content>${cdata(text)}</Content>`)['Content']).toBe(text);
    });

    it.each(['a]]>b', ']]>', ']]>]]>', 'x]]]>y', ']]', ']]]]>>', '<![CDATA[nested]]>'])(
      'cdata() splits %p so it parses back unchanged',
      (text) => {
        const section = cdata(text);
        expect(root(`<A>${section}</A>`)['A']).toBe(text);
      },
    );

    it('cdata() leaves text without "]]>" in a single section', () => {
      expect(cdata('a<b>&c')).toBe('<![CDATA[a<b>&c]]>');
    });

    it('refuses an unterminated CDATA section', () => {
      expect(rejection(() => parseSafeXml('<xml><A><![CDATA[abc</A></xml>'))).toMatch(/CDATA/);
    });
  });

  describe('DTDs and entity declarations', () => {
    it('refuses a DOCTYPE in the prolog', () => {
      expect(rejection(() => parseSafeXml('<!DOCTYPE xml><xml><A>1</A></xml>'))).toMatch(/DTD/);
    });

    it('refuses an internal subset with an entity (billion laughs)', () => {
      const xml =
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>' +
        '<xml><A>&lol2;</A></xml>';
      expect(rejection(() => parseSafeXml(xml))).toMatch(/DTD/);
    });

    it('refuses an external entity (XXE)', () => {
      const xml = '<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><A>&xxe;</A></xml>';
      expect(rejection(() => parseSafeXml(xml))).toMatch(/DTD/);
    });

    it('refuses a DOCTYPE after a comment or inside the document', () => {
      expect(rejection(() => parseSafeXml('<!-- c --><!DOCTYPE xml><xml/>'))).toMatch(/DTD/);
      expect(rejection(() => parseSafeXml('<xml><!DOCTYPE html><A>1</A></xml>'))).toMatch(/DTD/);
      expect(rejection(() => parseSafeXml('<xml><A>1</A><!ENTITY x "y"></xml>'))).toMatch(/DTD/);
    });

    it('refuses a DOCTYPE that follows a CDATA section', () => {
      expect(rejection(() => parseSafeXml('<xml><A><![CDATA[ok]]><!DOCTYPE x></A></xml>'))).toMatch(/DTD/);
    });

    it('refuses lower-case and odd declarations too', () => {
      expect(rejection(() => parseSafeXml('<!doctype xml><xml/>'))).toMatch(/DTD/);
      expect(rejection(() => parseSafeXml('<xml><![cdata[x]]></xml>'))).toMatch(/DTD/);
    });

    it('accepts the text "<!DOCTYPE" when escaped', () => {
      expect(root('<A>&lt;!DOCTYPE html&gt;</A>')['A']).toBe('<!DOCTYPE html>');
    });
  });

  describe('nesting', () => {
    it('accepts 8 levels (the root counts)', () => {
      expect(() => parseSafeXml(nested(8))).not.toThrow();
    });

    it('refuses 9 levels', () => {
      expect(rejection(() => parseSafeXml(nested(9)))).toMatch(/nesting deeper than 8/);
    });

    it('counts siblings and self-closing elements correctly', () => {
      const siblings = `<xml>${'<a><b/></a>'.repeat(50)}</xml>`;
      expect(() => parseSafeXml(siblings)).not.toThrow();
    });

    it('is not fooled by a quoted ">" or "/>" in an attribute', () => {
      const deep = '<xml>' + '<a x="/>">'.repeat(10) + '</a>'.repeat(10) + '</xml>';
      expect(rejection(() => parseSafeXml(deep))).toMatch(/nesting deeper than 8/);
      const single = "<xml><a x='>'><b y=\"/>\">v</b></a></xml>";
      expect(xmlRoot(parseSafeXml(single))).toEqual({ a: { b: 'v' } });
    });

    it('honours a custom maxDepth', () => {
      expect(() => parseSafeXml(nested(3), { maxDepth: 3 })).not.toThrow();
      expect(rejection(() => parseSafeXml(nested(4), { maxDepth: 3 }))).toMatch(/nesting deeper than 3/);
    });
  });

  describe('size', () => {
    const envelope = (total: number): string => {
      const open = '<xml><A>';
      const close = '</A></xml>';
      return open + 'a'.repeat(total - open.length - close.length) + close;
    };

    it('accepts exactly 64 KB', () => {
      const xml = envelope(64 * 1024);
      expect(Buffer.byteLength(xml)).toBe(65536);
      expect(xmlRoot(parseSafeXml(xml))['A']).toHaveLength(65536 - 18);
      expect(() => parseSafeXml(Buffer.from(xml))).not.toThrow();
    });

    it('refuses one byte more', () => {
      expect(rejection(() => parseSafeXml(envelope(64 * 1024 + 1)))).toMatch(/larger than 65536 bytes/);
      expect(rejection(() => parseSafeXml(Buffer.from(envelope(64 * 1024 + 1))))).toMatch(/larger than 65536 bytes/);
    });

    it('counts bytes, not characters', () => {
      const open = '<xml><A>';
      const close = '</A></xml>';
      const chars = Math.ceil((64 * 1024 - open.length - close.length) / 3) + 1;
      const xml = open + '你'.repeat(chars) + close;
      expect(xml.length).toBeLessThan(64 * 1024);
      expect(rejection(() => parseSafeXml(xml))).toMatch(/larger than/);
    });

    it('honours a custom maxBytes', () => {
      expect(rejection(() => parseSafeXml('<xml><A>1</A></xml>', { maxBytes: 10 }))).toMatch(/larger than 10 bytes/);
    });

    it('refuses an empty body', () => {
      expect(rejection(() => parseSafeXml(''))).toMatch(/empty/);
      expect(rejection(() => parseSafeXml(Buffer.alloc(0)))).toMatch(/empty/);
    });
  });

  describe('encoding', () => {
    it.each([
      ['a lone continuation byte', [0x80]],
      ['an invalid lead byte', [0xff]],
      ['a truncated sequence', [0xe4, 0xbd]],
      ['an overlong encoding', [0xc0, 0xbc]],
      ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ])('refuses %s', (_name, bytes) => {
      const body = Buffer.concat([Buffer.from('<xml><A>'), Buffer.from(bytes), Buffer.from('</A></xml>')]);
      expect(rejection(() => parseSafeXml(body))).toMatch(/not valid UTF-8/);
    });

    it('accepts a genuine U+FFFD', () => {
      expect(xmlRoot(parseSafeXml(Buffer.from('<xml><A>\uFFFD</A></xml>', 'utf8')))['A']).toBe('\uFFFD');
    });
  });

  describe('malformed XML', () => {
    it.each([
      ['no markup', 'hello'],
      ['an unclosed element', '<xml><A>1</xml>'],
      ['mismatched tags', '<xml><A>1</B></xml>'],
      ['an unterminated tag', '<xml><A'],
      ['two roots', '<xml><A>1</A></xml><xml><A>2</A></xml>'],
      ['two self-closing roots', '<xml/><xml/>'],
      ['a second root after a self-closing one', '<a/><xml><Encrypt>x</Encrypt></xml>'],
      ['text after the root', '<xml><A>1</A></xml>junk'],
      ['a bare ampersand', '<xml><A>a & b</A></xml>'],
      ['a bare "<"', '<xml><A>a < b</A></xml>'],
      ['an unterminated comment', '<xml><!-- x</xml>'],
      ['an unterminated processing instruction', '<?xml version="1.0"<xml/>'],
      ['JSON', '{"Encrypt":"x"}'],
      ['a prototype-polluting tag name', '<xml><__proto__>a</__proto__></xml>'],
    ])('refuses %s', (_name, xml) => {
      expect(() => parseSafeXml(xml)).toThrow(XmlRejected);
    });
  });
  describe('names that meet Object.prototype', () => {
    it.each(['constructor', 'prototype', '__proto__'])('refuses an element named %s', (name) => {
      expect(rejection(() => parseSafeXml(`<xml><${name}>a</${name}></xml>`))).toMatch(/not allowed/);
      expect(rejection(() => parseSafeXml(`<${name}/>`))).toMatch(/not allowed/);
    });

    it.each(['hasOwnProperty', 'toString', 'valueOf', '__defineGetter__', '__lookupSetter__'])('keeps an element named %s under a "__" prefix', (name) => {
      const x = root(`<${name}>a</${name}><B>b</B>`);
      expect(x).toEqual({ [`__${name}`]: 'a', B: 'b' });
      expect(Object.hasOwn(x, name)).toBe(false);
      expect(xmlText(x, 'B')).toBe('b');
    });

    it('never returns an inherited member for an absent element', () => {
      const x = root('<A>1</A>');
      expect(xmlText(x, 'toString')).toBeUndefined();
      expect(xmlText(x, 'constructor')).toBeUndefined();
    });
  });

  describe('structure', () => {
    it('keeps the text of an element that also has children under #text (white space between them included)', () => {
      expect(root('<A>x<B>1</B>y</A>')['A']).toEqual({ B: '1', '#text': 'xy' });
      expect(xmlRoot(parseSafeXml('<xml>\n<A>1</A>\n<B>2</B>\n</xml>'))).toEqual({ A: '1', B: '2', '#text': '\n\n\n' });
    });

    it('lists a repeated element in document order, also three times and when empty', () => {
      expect(root('<A>1</A><B/><A>2</A><A/>')).toEqual({ A: ['1', '2', ''], B: '' });
    });

    it('accepts a byte order mark, white space, comments and processing instructions around the root', () => {
      expect(xmlRoot(parseSafeXml('\uFEFF<?xml version="1.0"?>\n<!-- a --><?pi?>\n<xml><A>1</A></xml>\n<!-- b --><?pi x?> \n'))).toEqual({ A: '1' });
      expect(xmlRoot(parseSafeXml(Buffer.from('\uFEFF<xml><A>1</A></xml>', 'utf8')))).toEqual({ A: '1' });
    });

    it('decodes character references with leading zeros', () => {
      expect(root('<A>&#x0000041;&#0000065;</A>')['A']).toBe('AA');
    });

    it('accepts an empty-element tag at the deepest level (it adds no level)', () => {
      expect(() => parseSafeXml(nested(8).replace('x', '<e9/>'))).not.toThrow();
    });

    it('accepts well-formed attributes anywhere, and ignores them', () => {
      const doc = '<xml a="1" b=\'2\' c = "x>y" d="/>" e="&amp;" f="\'" xmlns:g="u"><A h="1"/><B i="1">v</B></xml>';
      expect(xmlRoot(parseSafeXml(doc))).toEqual({ A: '', B: 'v' });
    });
  });

  describe('not well-formed, refused', () => {
    it.each([
      ['CDATA before the root', '<![CDATA[x]]><xml/>'],
      ['CDATA after the root', '<xml/><![CDATA[x]]>'],
      ['a reference after the root', '<xml><A>1</A></xml>&amp;'],
      ['a reference before the root', '&amp;<xml/>'],
      ['an XML declaration after the start', '<xml/><?xml version="1.0"?>'],
      ['an XML declaration inside the root', '<xml><?xml version="1.0"?></xml>'],
      ['a processing instruction without a target', '<xml><??></xml>'],
      ['an empty character reference', '<xml><A>&#;</A></xml>'],
      ['an empty hexadecimal character reference', '<xml><A>&#x;</A></xml>'],
      ['a character reference without ";"', '<xml><A>&#60</A></xml>'],
      ['an entity reference without ";"', '<xml><A>&amp</A></xml>'],
      ['an entity name longer than 20 characters', '<xml><A>&abcdefghijklmnopqrstu;</A></xml>'],
      ['"&;"', '<xml><A>&;</A></xml>'],
      ['"<" in an attribute value', '<xml a="<"/>'],
      ['a repeated attribute', '<xml a="1" a="2"/>'],
      ['an attribute without a value', '<xml a/>'],
      ['an unquoted attribute value', '<xml a=1/>'],
      ['attributes not separated by white space', '<xml a="1"b="2"/>'],
      ['an unterminated attribute value', '<xml a="1/>'],
      ['"/" and ">" apart in an empty-element tag', '<xml/ >'],
      ['an end tag with an attribute', '<xml><A>1</A a="1"></xml>'],
      ['an end tag without an open element', '</xml>'],
      ['an element name starting with a digit', '<xml><1A>1</1A></xml>'],
      ['an empty element name', '<xml><>1</></xml>'],
      ['white space before the element name', '<xml>< A>1</A></xml>'],
      ['only white space', ' \n '],
      ['only a comment', '<!-- c -->'],
    ])('refuses %s', (_name, xml) => {
      expect(() => parseSafeXml(xml)).toThrow(XmlRejected);
    });
  });

  describe('hostile sizes stay linear', () => {
    it('reads a body of many attributes in one tag quickly', () => {
      let attrs = '';
      for (let k = 0; attrs.length < 60_000; k++) attrs += ` a${k}="v"`;
      const started = process.hrtime.bigint();
      expect(xmlRoot(parseSafeXml(`<xml${attrs}><A>1</A></xml>`))).toEqual({ A: '1' });
      expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(200);
    });

    it('reads a body of many siblings and references quickly', () => {
      const body = `<xml>${'<A>&amp;&#60;</A>'.repeat(3_500)}</xml>`;
      const started = process.hrtime.bigint();
      const a = xmlRoot(parseSafeXml(body))['A'];
      expect(Array.isArray(a) && a.length).toBe(3_500);
      expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(200);
    });
  });
});

describe('xmlRoot', () => {
  it('returns the children of <xml>', () => {
    expect(xmlRoot(parseSafeXml('<xml><A>1</A><B>2</B></xml>'))).toEqual({ A: '1', B: '2' });
  });

  it('refuses a document with another root', () => {
    expect(rejection(() => xmlRoot(parseSafeXml('<root><A>1</A></root>')))).toMatch(/<xml> missing/);
  });

  it('accepts another root name when asked', () => {
    expect(xmlRoot(parseSafeXml('<root><A>1</A></root>'), 'root')).toEqual({ A: '1' });
  });
});

describe('xmlText / xmlRequiredText', () => {
  it('refuses a duplicated <Encrypt> instead of picking one', () => {
    const x = root('<ToUserName>a</ToUserName><Encrypt>first</Encrypt><Encrypt>second</Encrypt>');
    expect(rejection(() => xmlText(x, 'Encrypt'))).toMatch(/<Encrypt> appears more than once/);
    expect(rejection(() => xmlRequiredText(x, 'Encrypt'))).toMatch(/more than once/);
  });

  it('refuses a duplicated empty element', () => {
    expect(rejection(() => xmlText(root('<A/><A/>'), 'A'))).toMatch(/more than once/);
  });

  it('refuses an element with children', () => {
    expect(rejection(() => xmlText(root('<A><B>1</B></A>'), 'A'))).toMatch(/<A> is not text/);
  });

  it('returns undefined for a missing element; xmlRequiredText refuses it', () => {
    const x = root('<A>1</A>');
    expect(xmlText(x, 'B')).toBeUndefined();
    expect(rejection(() => xmlRequiredText(x, 'B'))).toMatch(/<B> missing/);
  });

  it('returns the text', () => {
    expect(xmlRequiredText(root('<A> 1 </A>'), 'A')).toBe(' 1 ');
  });
});
