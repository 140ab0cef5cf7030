import { originAllowed } from './origin-policy';

const ALLOWED = ['https://console.example.com'];

describe('originAllowed', () => {
  it('accepts same-origin browser requests, by Sec-Fetch-Site or by an Origin matching the Host', () => {
    expect(originAllowed({ 'sec-fetch-site': 'same-origin', origin: 'https://evil.example' }, ALLOWED)).toBe(true);
    expect(originAllowed({ origin: 'http://127.0.0.1:3000', host: '127.0.0.1:3000' }, ALLOWED)).toBe(true);
    expect(originAllowed({ origin: 'http://gw.example.com', host: 'GW.example.com' }, ALLOWED)).toBe(true);
  });

  it('accepts the configured console origins (a reverse proxy that rewrites Host)', () => {
    expect(originAllowed({ origin: 'https://console.example.com', host: 'api-internal:3000', 'sec-fetch-site': 'same-site' }, ALLOWED)).toBe(true);
  });

  it('refuses another origin, a "null" origin, a different port, and a cross-site marker without an allowed origin', () => {
    expect(originAllowed({ origin: 'https://evil.example', host: 'gw.example.com', 'sec-fetch-site': 'cross-site' }, ALLOWED)).toBe(false);
    expect(originAllowed({ origin: 'null', host: 'gw.example.com' }, ALLOWED)).toBe(false);
    expect(originAllowed({ origin: 'http://gw.example.com:8080', host: 'gw.example.com' }, ALLOWED)).toBe(false);
    expect(originAllowed({ 'sec-fetch-site': 'cross-site', host: 'gw.example.com' }, ALLOWED)).toBe(false);
    expect(originAllowed({ 'sec-fetch-site': 'same-site', origin: 'https://other.example.com', host: 'gw.example.com' }, ALLOWED)).toBe(false);
  });

  it('accepts requests that carry no browser marker at all (scripts, curl) and a navigation typed by the user', () => {
    expect(originAllowed({ host: 'gw.example.com' }, ALLOWED)).toBe(true);
    expect(originAllowed({ 'sec-fetch-site': 'none', host: 'gw.example.com' }, ALLOWED)).toBe(true);
  });
});
