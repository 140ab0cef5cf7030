import { isDeepStrictEqual } from 'node:util';
import { XMLParser, XMLValidator, type EntityDecoderOptions } from 'fast-xml-parser';
import { parseSafeXml, XmlRejected, type SafeXmlOptions, type XmlObject } from './safe-xml';

/*
 * The one-pass parser against the implementation it replaced (a pre-scan, fast-xml-parser's validator,
 * then its parser), kept here verbatim as the oracle. On thousands of generated documents, hostile and
 * malformed ones included: whatever the old parser refused is refused; whatever both accept gives the
 * same result; what only the old parser accepted is not well-formed XML, and only for the reasons
 * listed in STRICTER.
 */

// ---- the previous implementation (oracle) ----

const XML_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The code points XML 1.0 allows (§2.2): a character reference to anything else is not well-formed. */
function isXmlChar(cp: number): boolean {
  if (cp === 0x9 || cp === 0xa || cp === 0xd) return true;
  return (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/**
 * Exactly XML's references, in one pass (so `&amp;lt;` is `&lt;`, never `<`): the five predefined
 * entities and character references (`&#60;`, `&#x1F600;`). The parser's own decoder leaves character
 * references undecoded unless HTML entities (`&nbsp;` …) are switched on too. DTDs never reach the
 * parser (see prescan), so there are no declared entities; an unknown name stays as written.
 */
const xmlEntityDecoder: EntityDecoderOptions = {
  setExternalEntities: () => undefined,
  addInputEntities: () => undefined,
  reset: () => undefined,
  setXmlVersion: () => undefined,
  decode: (text) =>
    text.indexOf('&') < 0
      ? text
      : text.replace(/&(?:#x([0-9A-Fa-f]{1,6})|#([0-9]{1,7})|([A-Za-z]+));/g, (ref: string, hex?: string, dec?: string, name?: string) => {
          if (name !== undefined) return Object.hasOwn(XML_ENTITIES, name) ? XML_ENTITIES[name] : ref;
          const cp = hex !== undefined ? parseInt(hex, 16) : Number(dec);
          if (!isXmlChar(cp)) throw new XmlRejected(`character reference ${ref} is not allowed`);
          return String.fromCodePoint(cp);
        }),
};

// Values stay strings ("00123" must not become 123), whitespace is kept (user text is byte-exact;
// only line ends are normalized to \n, as XML 1.0 §2.11 requires of every parser), attributes are
// ignored (the platforms send none we use).
const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  entityDecoder: xmlEntityDecoder,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

/**
 * Scans the document once before the parser sees it: refuses DTDs and entity declarations anywhere
 * outside CDATA (a user may type `<!DOCTYPE html>` inside CDATA: that is content), caps nesting and
 * allows a single root element.
 */
function prescan(xml: string, maxDepth: number): void {
  let depth = 0;
  let rootDone = false;
  let i = 0;
  const n = xml.length;
  while (i < n) {
    const lt = xml.indexOf('<', i);
    if (lt < 0) break;
    if (xml.startsWith('<![CDATA[', lt)) {
      const end = xml.indexOf(']]>', lt + 9);
      if (end < 0) throw new XmlRejected('unterminated CDATA');
      i = end + 3;
      continue;
    }
    if (xml.startsWith('<!--', lt)) {
      const end = xml.indexOf('-->', lt + 4);
      if (end < 0) throw new XmlRejected('unterminated comment');
      i = end + 3;
      continue;
    }
    if (xml.startsWith('<!', lt)) throw new XmlRejected('DTD or declaration not allowed');
    if (xml.startsWith('<?', lt)) {
      const end = xml.indexOf('?>', lt + 2);
      if (end < 0) throw new XmlRejected('unterminated processing instruction');
      i = end + 2;
      continue;
    }
    const gt = tagEnd(xml, lt + 1);
    if (gt < 0) throw new XmlRejected('unterminated tag');
    if (xml[lt + 1] === '/') {
      depth--;
      if (depth === 0) rootDone = true;
    } else {
      // The validator misses a second root after a self-closing one (`<xml/><xml>…</xml>`).
      if (depth === 0 && rootDone) throw new XmlRejected('more than one root element');
      if (xml[gt - 1] === '/') {
        if (depth === 0) rootDone = true;
      } else {
        depth++;
        if (depth > maxDepth) throw new XmlRejected(`nesting deeper than ${maxDepth}`);
      }
    }
    i = gt + 1;
  }
}

/** The `>` closing a tag: the first one outside a quoted attribute value (`<a x="/>">` is an open tag). */
function tagEnd(xml: string, from: number): number {
  let quote = '';
  for (let i = from; i < xml.length; i++) {
    const c = xml[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return i;
  }
  return -1;
}

/** Parses a platform XML body into nested objects of strings, refusing anything hostile. */
function legacyParseSafeXml(raw: Buffer | string, options: SafeXmlOptions = {}): XmlObject {
  const { maxBytes, maxDepth } = { maxBytes: 64 * 1024, maxDepth: 8, ...options };
  const size = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.length;
  if (size === 0) throw new XmlRejected('empty body');
  if (size > maxBytes) throw new XmlRejected(`body larger than ${maxBytes} bytes`);
  const xml = typeof raw === 'string' ? raw : raw.toString('utf8');
  if (xml.includes('\uFFFD') && typeof raw !== 'string' && !Buffer.from(xml, 'utf8').equals(raw)) {
    throw new XmlRejected('body is not valid UTF-8');
  }
  prescan(xml, maxDepth);
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new XmlRejected(`malformed XML: ${valid.err.msg}`);
  let doc: unknown;
  try {
    doc = parser.parse(xml);
  } catch (err) {
    throw new XmlRejected(`malformed XML: ${(err as Error).message}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new XmlRejected('no root element');
  return doc as XmlObject;
}


// ---- generated documents ----

/** mulberry32: a small seeded generator, so every run checks the same documents. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = ['xml', 'A', 'B', 'Content', 'Encrypt', 'a:b', 'x-y.z', '_u', 'é', '中文', 'toString', 'hasOwnProperty', 'valueOf'];
const ODD_NAMES = ['constructor', 'prototype', '__proto__', '1a', 'a b', '', 'a"', '-a', '.b', 'a=b'];
const TEXT = [
  'hello', ' ', '\n', '\t', '  x  ', '你好 👋', '\uFFFD', '>', ']]>', '\r\n', '\r', '%', '"', "'", '=', '/', '00123', '1e5',
  '&amp;', '&lt;', '&gt;', '&quot;', '&apos;', '&#60;', '&#x3C;', '&#x3c;', '&#x1F600;', '&#20320;', '&#13;', '&#9;', '&nbsp;', '&toString;', '&a_b;',
  '&amp;lt;', '&', '&#;', '&#0;', '&#x;', '&#xD800;', '&#xFFFE;', '&#x110000;', '&#12345678;', '&abcdefghijklmnopqrstu;', 'a&b', '&amp', '& ;',
];
const MARKUP = [
  '<!-- c -->', '<!---->', '<!-- a -- b -->', '<?pi x?>', '<?xml version="1.0"?>', '<?XML x?>', '<??>', '<!DOCTYPE x>', '<!doctype x>',
  '<![CDATA[ cd ]]>', '<![CDATA[]]>', '<![CDATA[<a>&amp;<!DOCTYPE x>]]>', '<![cdata[x]]>', '<!ENTITY x "y">', '<!ELEMENT x ANY>', '<', '</>', '<>',
  '< a>', '<!-', '<!--', '<?', '<![CDATA[x',
];
const ATTRS = [' a="1"', " b='2'", ' a="1" b="2"', ' a="x>y"', ' a="/>"', " a='\"'", ' a = "1"', ' xmlns:x="u"', ' a="&amp;"', ' a="1" a="2"', ' a=1', ' a', ' a="<"', ' a="1"b="2"', ' =x', ' a="'];

function documents(count: number, seed: number): string[] {
  const rnd = generator(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const element = (depth: number): string => {
    const name = rnd() < 0.93 ? pick(NAMES) : pick(ODD_NAMES);
    const attrs = rnd() < 0.85 ? '' : pick(ATTRS);
    if (rnd() < 0.15) return `<${name}${attrs}${pick(['/>', ' />', '/>', '/ >'])}`;
    let inner = '';
    const parts = Math.floor(rnd() * 5);
    for (let p = 0; p < parts; p++) {
      const r = rnd();
      if (r < 0.4 && depth < 10) inner += element(depth + 1);
      else if (r < 0.75) inner += pick(TEXT);
      else if (r < 0.88) inner += `<![CDATA[${pick(TEXT)}]]>`;
      else inner += pick(MARKUP);
    }
    const close = rnd() < 0.96 ? name : pick([...NAMES, ...ODD_NAMES]);
    return `<${name}${attrs}>${inner}</${close}${rnd() < 0.05 ? ' ' : ''}>`;
  };
  const out: string[] = [];
  for (let d = 0; d < count; d++) {
    let s = rnd() < 0.05 ? '\uFEFF' : '';
    if (rnd() < 0.3) s += '<?xml version="1.0" encoding="UTF-8"?>';
    if (rnd() < 0.2) s += pick(['\n', ' ', '<!-- c -->', '<?pi?>', 'x', '<!DOCTYPE x>', '<![CDATA[x]]>', '&amp;']);
    s += element(1);
    if (rnd() < 0.2) s += pick(['\n', ' ', '<!-- c -->', '<?pi x?>', 'x', '<a/>', '</a>', '<?xml v?>', '&amp;', '<![CDATA[x]]>', '<xml></xml>']);
    out.push(s);
  }
  return out;
}

type Outcome = { ok: true; doc: XmlObject } | { ok: false; message: string };
function outcome(parse: (xml: string) => XmlObject, xml: string): Outcome {
  try {
    return { ok: true, doc: parse(xml) };
  } catch (err) {
    expect(err).toBeInstanceOf(Error);
    return { ok: false, message: (err as Error).message };
  }
}

/** Why the one-pass parser may refuse what the old one accepted: each is not well-formed XML. */
const STRICTER: readonly RegExp[] = [
  /^malformed XML: CDATA outside the root element$/, // the old parser kept it as top-level text
  /^malformed XML: text outside the root element$/, // e.g. a reference after the root
  /^malformed XML: XML declaration allowed only at the start$/, // `<?xml …?>` after the root
  /^malformed XML: invalid processing instruction$/, // `<??>`, `<?<a>…?>`
  /^malformed XML: '&' not followed by a reference$/, // `&#;`, `&#x;`
  /^character reference &#\d{8,}; is not allowed$/, // out of range: the old parser kept it as written
  /^malformed XML: '<' in the value of attribute \w+$/, // XML 1.0 §3.1 AttValue
];

describe('parseSafeXml against the previous three-pass implementation', () => {
  const docs = documents(30_000, 13);

  it('generates a useful mix (accepted and refused documents, hostile ones included)', () => {
    const accepted = docs.filter((d) => outcome(legacyParseSafeXml, d).ok).length;
    expect(accepted).toBeGreaterThan(docs.length * 0.2);
    expect(accepted).toBeLessThan(docs.length * 0.8);
    expect(docs.some((d) => d.includes('<!DOCTYPE'))).toBe(true);
  });

  it('refuses everything the old parser refused, with an XmlRejected', () => {
    const accepted: string[] = [];
    for (const xml of docs) {
      if (outcome(legacyParseSafeXml, xml).ok) continue;
      try {
        parseSafeXml(xml);
        accepted.push(xml);
      } catch (err) {
        if (!(err instanceof XmlRejected)) accepted.push(`${xml} threw ${String(err)}`);
      }
    }
    expect(accepted).toEqual([]);
  });

  /** The old parser kept a byte order mark or white space around the root as top-level text; the root is what counts. */
  const withoutOuterSpace = (doc: XmlObject): XmlObject => {
    const text = doc['#text'];
    if (typeof text !== 'string' || !/^[\uFEFF \t\n]*$/.test(text)) return doc;
    const { ['#text']: _ignored, ...rest } = doc;
    return rest;
  };

  it('gives the same result wherever both accept', () => {
    const different: string[] = [];
    let both = 0;
    for (const xml of docs) {
      const old = outcome(legacyParseSafeXml, xml);
      const now = outcome(parseSafeXml, xml);
      if (!old.ok || !now.ok) continue;
      both++;
      if (!isDeepStrictEqual(now.doc, withoutOuterSpace(old.doc))) different.push(`${xml}: ${JSON.stringify(now.doc)} ≠ ${JSON.stringify(old.doc)}`);
    }
    expect(different).toEqual([]);
    expect(both).toBeGreaterThan(1000);
  });

  it('refuses what only the old parser accepted for the listed reasons only (all not well-formed)', () => {
    const unexplained: string[] = [];
    for (const xml of docs) {
      const old = outcome(legacyParseSafeXml, xml);
      const now = outcome(parseSafeXml, xml);
      if (old.ok && !now.ok && !STRICTER.some((re) => re.test(now.message))) unexplained.push(`${xml}: ${now.message}`);
    }
    expect(unexplained).toEqual([]);
  });
});
