import { XMLParser, XMLValidator, type EntityDecoderOptions } from 'fast-xml-parser';

/** Refusal of an XML body; callers turn it into the uniform callback rejection. */
export class XmlRejected extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'XmlRejected';
  }
}

export interface SafeXmlOptions {
  maxBytes?: number;
  maxDepth?: number;
}

export type XmlValue = string | XmlObject | XmlValue[];
export interface XmlObject {
  [key: string]: XmlValue;
}

const DEFAULTS: Required<SafeXmlOptions> = { maxBytes: 64 * 1024, maxDepth: 8 };

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
export function parseSafeXml(raw: Buffer | string, options: SafeXmlOptions = {}): XmlObject {
  const { maxBytes, maxDepth } = { ...DEFAULTS, ...options };
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

/** The single root element's children (WeCom/MP wrap everything in `<xml>`). */
export function xmlRoot(doc: XmlObject, rootName = 'xml'): XmlObject {
  const root = doc[rootName];
  if (root === undefined) throw new XmlRejected(`root element <${rootName}> missing`);
  if (typeof root === 'string') return {}; // <xml></xml>
  if (Array.isArray(root)) throw new XmlRejected(`more than one <${rootName}>`);
  return root;
}

/**
 * A field that must appear at most once and hold text. Two `<Encrypt>` tags parse to an array:
 * refuse that instead of picking one.
 */
export function xmlText(obj: XmlObject, key: string): string | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) throw new XmlRejected(`<${key}> appears more than once`);
  // `<Content></Content>` parses as '' already; an element with children is not text.
  throw new XmlRejected(`<${key}> is not text`);
}

export function xmlRequiredText(obj: XmlObject, key: string): string {
  const v = xmlText(obj, key);
  if (v === undefined) throw new XmlRejected(`<${key}> missing`);
  return v;
}

/** Escapes text for a CDATA section (splits `]]>`). */
export function cdata(value: string): string {
  return `<![CDATA[${value.split(']]>').join(']]]]><![CDATA[>')}]]>`;
}
