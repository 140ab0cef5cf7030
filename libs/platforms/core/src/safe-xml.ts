import { isUtf8 } from 'node:buffer';

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

const DEFAULT_MAX_BYTES = 64 * 1024;
const DEFAULT_MAX_DEPTH = 8;

/** The key under which an element that has child elements keeps its text (whitespace between them included). */
const TEXT_KEY = '#text';

const XML_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The code points XML 1.0 allows (§2.2): a character reference to anything else is not well-formed. */
function isXmlChar(cp: number): boolean {
  if (cp === 0x9 || cp === 0xa || cp === 0xd) return true;
  return (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

const isAsciiNameStart = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58; // a-z A-Z _ :
const isAsciiNameChar = (c: number): boolean => isAsciiNameStart(c) || (c >= 48 && c <= 57) || c === 45 || c === 46; // 0-9 - .
/** XML white space (§2.3 S) once line ends are normalized: space, tab, line feed. */
const isSpace = (c: number): boolean => c === 32 || c === 10 || c === 9;

/** XML 1.0 NameStartChar (§2.3). */
function isNameStart(cp: number): boolean {
  if (cp < 0x80) return isAsciiNameStart(cp);
  return (
    (cp >= 0xc0 && cp <= 0xd6) || (cp >= 0xd8 && cp <= 0xf6) || (cp >= 0xf8 && cp <= 0x2ff) || (cp >= 0x370 && cp <= 0x37d) ||
    (cp >= 0x37f && cp <= 0x1fff) || cp === 0x200c || cp === 0x200d || (cp >= 0x2070 && cp <= 0x218f) || (cp >= 0x2c00 && cp <= 0x2fef) ||
    (cp >= 0x3001 && cp <= 0xd7ff) || (cp >= 0xf900 && cp <= 0xfdcf) || (cp >= 0xfdf0 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0xeffff)
  );
}

/** XML 1.0 NameChar (§2.3). */
function isNameChar(cp: number): boolean {
  if (cp < 0x80) return isAsciiNameChar(cp);
  return isNameStart(cp) || cp === 0xb7 || (cp >= 0x300 && cp <= 0x36f) || cp === 0x203f || cp === 0x2040;
}

function isXmlName(name: string): boolean {
  const n = name.length;
  if (n === 0) return false;
  let k = 0;
  while (k < n) {
    const cp = name.codePointAt(k)!;
    if (!(k === 0 ? isNameStart(cp) : isNameChar(cp))) return false;
    k += cp > 0xffff ? 2 : 1;
  }
  return true;
}

/** An entity name: 1 to 20 ASCII word characters (as the parser before this one accepted; anything else is refused). */
const isEntityNameChar = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;

/**
 * Decodes the references of one text segment, exactly XML's and in one pass (so `&amp;lt;` is `&lt;`,
 * never `<`): the five predefined entities and character references (`&#60;`, `&#x1F600;`). A bare `&`
 * is not well-formed; a character reference to a code point XML does not allow is refused. DTDs are
 * refused, so there are no declared entities: any other name (`&nbsp;`) stays as written.
 */
function decodeText(xml: string, from: number, to: number): string {
  let amp = xml.indexOf('&', from);
  if (amp < 0 || amp >= to) return xml.slice(from, to);
  let out = '';
  let done = from;
  while (amp >= 0 && amp < to) {
    out += xml.slice(done, amp);
    let k = amp + 1;
    let decoded: string;
    if (xml.charCodeAt(k) === 35) {
      // '#': a character reference
      k++;
      const hex = xml.charCodeAt(k) === 120; // 'x'
      if (hex) k++;
      const digits = k;
      let cp = 0;
      for (; k < to; k++) {
        const c = xml.charCodeAt(k);
        const d = c >= 48 && c <= 57 ? c - 48 : hex && c >= 97 && c <= 102 ? c - 87 : hex && c >= 65 && c <= 70 ? c - 55 : -1;
        if (d < 0) break;
        if (cp <= 0x10ffff) cp = cp * (hex ? 16 : 10) + d;
      }
      if (k === digits || k >= to || xml.charCodeAt(k) !== 59) throw new XmlRejected(`malformed XML: '&' not followed by a reference`);
      if (!isXmlChar(cp)) throw new XmlRejected(`character reference ${xml.slice(amp, k + 1)} is not allowed`);
      decoded = String.fromCodePoint(cp);
    } else {
      const start = k;
      while (k < to && k - start <= 20 && isEntityNameChar(xml.charCodeAt(k))) k++;
      if (k === start || k - start > 20 || k >= to || xml.charCodeAt(k) !== 59) throw new XmlRejected(`malformed XML: '&' not followed by a reference`);
      const name = xml.slice(start, k);
      decoded = Object.hasOwn(XML_ENTITIES, name) ? XML_ENTITIES[name]! : xml.slice(amp, k + 1);
    }
    out += decoded;
    done = k + 1;
    amp = xml.indexOf('&', done);
  }
  return out + xml.slice(done, to);
}

/** Element names that would reach Object.prototype machinery: refused. */
const RESERVED_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
/** Names of Object.prototype methods: kept with a `__` prefix, so no code mistakes them for the methods. */
const SHADOWING_NAMES: ReadonlySet<string> = new Set(['hasOwnProperty', 'toString', 'valueOf', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__']);
const keyOf = (name: string): string => (SHADOWING_NAMES.has(name) ? `__${name}` : name);

/** An element being read: its name, its children (once it has any) and its text so far. */
interface Open {
  name: string;
  children: XmlObject | null;
  text: string;
}

function addChild(parent: Open, name: string, value: XmlValue): void {
  const children = (parent.children ??= {});
  if (Object.hasOwn(children, name)) {
    const prev = children[name]!;
    // A repeated element becomes a list, which xmlText/xmlRoot refuse where one is expected.
    if (Array.isArray(prev)) prev.push(value);
    else children[name] = [prev, value];
  } else {
    children[name] = value;
  }
}

/** An element's value: its text when it has no child elements, else its children (and its text under `#text`). */
function valueOf(el: Open): XmlValue {
  if (el.children === null) return el.text;
  if (el.text !== '') el.children[TEXT_KEY] = el.text;
  return el.children;
}

/**
 * Reads the document in a single pass that both checks well-formedness and builds the result. Refuses
 * DTDs and every other `<!` declaration anywhere outside CDATA (a user may type `<!DOCTYPE html>` inside
 * CDATA: that is content), caps nesting (the root counts as 1; an empty-element tag adds no level),
 * allows a single root element and nothing but white space, comments and processing instructions
 * around it. Attributes are checked for syntax and otherwise ignored (the platforms send none we use);
 * processing instructions and comments are skipped; the XML declaration is allowed only at the start.
 */
function readDocument(xml: string, maxDepth: number): XmlObject {
  const n = xml.length;
  const stack: Open[] = [];
  let top: Open | undefined;
  let root: XmlObject | undefined;
  const first = xml.charCodeAt(0) === 0xfeff ? 1 : 0; // a byte order mark
  let i = first;
  while (i < n) {
    const lt = xml.indexOf('<', i);
    const textEnd = lt < 0 ? n : lt;
    if (textEnd > i) {
      if (top) {
        const text = decodeText(xml, i, textEnd);
        top.text = top.text === '' ? text : top.text + text;
      } else {
        for (let k = i; k < textEnd; k++) if (!isSpace(xml.charCodeAt(k))) throw new XmlRejected('malformed XML: text outside the root element');
      }
    }
    if (lt < 0) break;
    const c1 = xml.charCodeAt(lt + 1);
    if (c1 === 33) {
      // '<!'
      if (xml.startsWith('<![CDATA[', lt)) {
        const end = xml.indexOf(']]>', lt + 9);
        if (end < 0) throw new XmlRejected('unterminated CDATA');
        if (!top) throw new XmlRejected('malformed XML: CDATA outside the root element');
        top.text += xml.slice(lt + 9, end);
        i = end + 3;
      } else if (xml.startsWith('<!--', lt)) {
        const end = xml.indexOf('-->', lt + 4);
        if (end < 0) throw new XmlRejected('unterminated comment');
        i = end + 3;
      } else {
        throw new XmlRejected('DTD or declaration not allowed');
      }
      continue;
    }
    if (c1 === 63) {
      // '<?': a processing instruction (the XML declaration is one, allowed only first)
      const end = xml.indexOf('?>', lt + 2);
      if (end < 0) throw new XmlRejected('unterminated processing instruction');
      let k = lt + 2;
      while (k < end && !isSpace(xml.charCodeAt(k))) k++;
      const target = xml.slice(lt + 2, k);
      if (!isXmlName(target)) throw new XmlRejected('malformed XML: invalid processing instruction');
      if (target.toLowerCase() === 'xml' && lt !== first) throw new XmlRejected('malformed XML: XML declaration allowed only at the start');
      i = end + 2;
      continue;
    }
    if (c1 === 47) {
      // '</': an end tag
      let k = lt + 2;
      while (k < n) {
        const c = xml.charCodeAt(k);
        if (c === 62 || isSpace(c)) break;
        k++;
      }
      const name = xml.slice(lt + 2, k);
      while (k < n && isSpace(xml.charCodeAt(k))) k++;
      if (k >= n) throw new XmlRejected('unterminated tag');
      if (xml.charCodeAt(k) !== 62) throw new XmlRejected(`malformed XML: end tag </${name}> is not closed properly`);
      if (!top) throw new XmlRejected(`malformed XML: end tag </${name}> without an open element`);
      if (name !== top.name) throw new XmlRejected(`malformed XML: expected </${top.name}>, found </${name}>`);
      stack.pop();
      const value = valueOf(top);
      const parent = stack[stack.length - 1];
      if (parent) addChild(parent, keyOf(top.name), value);
      else root = { [keyOf(top.name)]: value };
      top = parent;
      i = k + 1;
      continue;
    }
    // A start tag or an empty-element tag.
    if (root !== undefined && !top) throw new XmlRejected('more than one root element');
    let k = lt + 1;
    while (k < n) {
      const c = xml.charCodeAt(k);
      if (c === 62 || c === 47 || isSpace(c)) break;
      k++;
    }
    const name = xml.slice(lt + 1, k);
    if (!isXmlName(name)) throw new XmlRejected(`malformed XML: invalid element name`);
    if (RESERVED_NAMES.has(name)) throw new XmlRejected(`malformed XML: element name ${name} not allowed`);
    let empty = false;
    let attributes: Set<string> | undefined;
    for (;;) {
      const before = k;
      while (k < n && isSpace(xml.charCodeAt(k))) k++;
      if (k >= n) throw new XmlRejected('unterminated tag');
      const c = xml.charCodeAt(k);
      if (c === 62) {
        k++;
        break;
      }
      if (c === 47) {
        if (xml.charCodeAt(k + 1) !== 62) throw new XmlRejected('malformed XML: "/" in a tag not followed by ">"');
        empty = true;
        k += 2;
        break;
      }
      // An attribute: white space, Name, '=', a quoted value without '<'. Checked, not kept.
      if (k === before) throw new XmlRejected('malformed XML: attributes must be separated by white space');
      const nameStart = k;
      while (k < n) {
        const a = xml.charCodeAt(k);
        if (a === 61 || a === 62 || a === 47 || isSpace(a)) break;
        k++;
      }
      const attr = xml.slice(nameStart, k);
      if (!isXmlName(attr)) throw new XmlRejected('malformed XML: invalid attribute name');
      if ((attributes ??= new Set()).has(attr)) throw new XmlRejected(`malformed XML: attribute ${attr} repeated`);
      attributes.add(attr);
      while (k < n && isSpace(xml.charCodeAt(k))) k++;
      if (xml.charCodeAt(k) !== 61) throw new XmlRejected(`malformed XML: attribute ${attr} without a value`);
      k++;
      while (k < n && isSpace(xml.charCodeAt(k))) k++;
      const quote = xml.charCodeAt(k);
      if (quote !== 34 && quote !== 39) throw new XmlRejected(`malformed XML: attribute ${attr} value not quoted`);
      const close = xml.indexOf(quote === 34 ? '"' : "'", k + 1);
      if (close < 0) throw new XmlRejected('unterminated tag');
      for (let v = k + 1; v < close; v++) if (xml.charCodeAt(v) === 60) throw new XmlRejected(`malformed XML: '<' in the value of attribute ${attr}`);
      k = close + 1;
    }
    i = k;
    if (empty) {
      if (top) addChild(top, keyOf(name), '');
      else root = { [keyOf(name)]: '' };
      continue;
    }
    if (stack.length >= maxDepth) throw new XmlRejected(`nesting deeper than ${maxDepth}`);
    top = { name, children: null, text: '' };
    stack.push(top);
  }
  if (top) throw new XmlRejected(`malformed XML: element <${top.name}> not closed`);
  if (root === undefined) throw new XmlRejected('no root element');
  return root;
}

/**
 * Parses a platform XML body into nested objects of strings, refusing anything hostile: no DTD or
 * entity declarations, a size and a nesting limit, valid UTF-8, well-formed XML with one root. Values
 * stay strings ("00123" must not become 123), whitespace is kept (user text is byte-exact; only line
 * ends are normalized to \n, as XML 1.0 §2.11 requires of every parser), attributes are ignored.
 * One pass over the document checks and builds at once.
 */
export function parseSafeXml(raw: Buffer | string, options: SafeXmlOptions = {}): XmlObject {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const size = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.length;
  if (size === 0) throw new XmlRejected('empty body');
  if (size > maxBytes) throw new XmlRejected(`body larger than ${maxBytes} bytes`);
  let xml = typeof raw === 'string' ? raw : raw.toString('utf8');
  if (typeof raw !== 'string' && xml.includes('\uFFFD') && !isUtf8(raw)) {
    throw new XmlRejected('body is not valid UTF-8');
  }
  if (xml.includes('\r')) xml = xml.replace(/\r\n?/g, '\n');
  return readDocument(xml, maxDepth);
}

/** The single root element's children (WeCom/MP wrap everything in `<xml>`). */
export function xmlRoot(doc: XmlObject, rootName = 'xml'): XmlObject {
  const root = Object.hasOwn(doc, rootName) ? doc[rootName] : undefined;
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
  // Own elements only: `toString` must not find Object.prototype's.
  const v = Object.hasOwn(obj, key) ? obj[key] : undefined;
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
