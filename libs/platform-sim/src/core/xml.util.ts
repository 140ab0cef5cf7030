/**
 * XML building helpers. The simulator builds XML with string templates only; every text value
 * goes through `cdata`, which splits a literal `]]>` across two CDATA sections so that the
 * value survives any conforming parser unchanged.
 */
export function cdata(value: string): string {
  return `<![CDATA[${value.split(']]>').join(']]]]><![CDATA[>')}]]>`;
}

/** `<Name><![CDATA[value]]></Name>` */
export function cdataElement(name: string, value: string): string {
  return `<${name}>${cdata(value)}</${name}>`;
}

/** `<Name>value</Name>` for numbers and other values that WeCom writes without CDATA. */
export function plainElement(name: string, value: string | number): string {
  const text = String(value);
  if (/[<>&]/.test(text)) {
    throw new Error(`plain XML element ${name} must not contain markup characters`);
  }
  return `<${name}>${text}</${name}>`;
}

/**
 * Extracts the text of the first `<Name>` element of a flat XML document, accepting plain text
 * or (possibly split) CDATA. Meant for the small envelopes the simulator reads back (encrypted
 * passive replies); documents with a DOCTYPE are refused (no entity expansion, no XXE).
 */
export function readXmlElement(xml: string, name: string): string | undefined {
  if (/<!DOCTYPE/i.test(xml) || /<!ENTITY/i.test(xml)) {
    throw new Error('XML with DOCTYPE/ENTITY is refused');
  }
  const match = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml);
  if (!match) return undefined;
  const inner = match[1];
  if (!inner.includes('<![CDATA[')) return inner.trim();
  let out = '';
  const section = /<!\[CDATA\[([\s\S]*?)\]\]>/g;
  let m: RegExpExecArray | null;
  while ((m = section.exec(inner)) !== null) out += m[1];
  return out;
}
