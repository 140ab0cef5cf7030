import { XMLParser } from 'fast-xml-parser';
import { cdata, cdataElement, plainElement, readXmlElement } from './xml.util';

describe('cdata', () => {
  it('wraps plain values', () => {
    expect(cdata('hello')).toBe('<![CDATA[hello]]>');
    expect(cdataElement('Content', '<a & b>')).toBe('<Content><![CDATA[<a & b>]]></Content>');
  });

  it('splits every ]]> across two sections so parsers read the value back unchanged', () => {
    const value = 'a]]>b]]>]]>c';
    expect(cdata(value)).toBe('<![CDATA[a]]]]><![CDATA[>b]]]]><![CDATA[>]]]]><![CDATA[>c]]>');
    const parsed = new XMLParser({ parseTagValue: false }).parse(`<xml>${cdataElement('C', value)}</xml>`) as { xml: { C: string } };
    expect(parsed.xml.C).toBe(value);
    expect(readXmlElement(`<xml>${cdataElement('C', value)}</xml>`, 'C')).toBe(value);
  });

  it('refuses markup in plain elements', () => {
    expect(plainElement('CreateTime', 1700000000)).toBe('<CreateTime>1700000000</CreateTime>');
    expect(() => plainElement('X', '1<2')).toThrow(/markup/);
  });
});

describe('readXmlElement', () => {
  it('reads plain and CDATA text and refuses DOCTYPE', () => {
    expect(readXmlElement('<xml><TimeStamp> 123 </TimeStamp></xml>', 'TimeStamp')).toBe('123');
    expect(readXmlElement('<xml><A><![CDATA[x]]></A></xml>', 'B')).toBeUndefined();
    expect(() => readXmlElement('<!DOCTYPE x [<!ENTITY e "x">]><xml><A>&e;</A></xml>', 'A')).toThrow(/DOCTYPE/);
  });
});
