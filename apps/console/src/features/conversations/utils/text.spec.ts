import { describe, expect, it } from 'vitest';
import { estimatedParts, linkify, safeHttpUrl, utf8Length } from './text';

describe('message text helpers', () => {
  it('counts UTF-8 bytes', () => {
    expect(utf8Length('abc')).toBe(3);
    expect(utf8Length('价格')).toBe(6);
    expect(utf8Length('😀')).toBe(4);
    expect(estimatedParts(0)).toBe(1);
    expect(estimatedParts(2048)).toBe(1);
    expect(estimatedParts(2049)).toBe(2);
  });

  it('links only http and https URLs', () => {
    expect(safeHttpUrl('javascript:alert(1)')).toBeNull();
    expect(safeHttpUrl('data:text/html,x')).toBeNull();
    expect(safeHttpUrl('https://a.example/')).toBe('https://a.example/');
    const parts = linkify('see https://a.example/x, and javascript:alert(1) or http://b.example。好');
    expect(parts.filter((p) => p.kind === 'link').map((p) => p.text)).toEqual(['https://a.example/x', 'http://b.example']);
    expect(parts.map((p) => p.text).join('')).toBe('see https://a.example/x, and javascript:alert(1) or http://b.example。好');
  });
});
