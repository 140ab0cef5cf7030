import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * SSRF guard for admin-set URLs (platform API base URLs, external app endpoints): refuses loopback,
 * private, link-local, CGNAT, multicast and unspecified addresses unless the operator allows them.
 */
const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  // IPv6 forms that embed an IPv4 address: IPv4-compatible (deprecated) and NAT64 (well-known and
  // local-use prefixes), which a NAT64 gateway turns into e.g. 169.254.169.254. (IPv4-mapped
  // ::ffff:0:0/96 is checked against the IPv4 rules below.)
  ['::', 96],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10], // deprecated site-local
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped?.[1]) return blocked.check(mapped[1], 'ipv4');
    return blocked.check(address, 'ipv6');
  }
  return true;
}

export class UrlNotAllowedError extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`URL not allowed: ${reason}`);
    this.name = 'UrlNotAllowedError';
  }
}

export class UrlPolicy {
  constructor(private readonly allowPrivate: boolean) {}

  /** Resolves the host and refuses private targets (unless allowed). */
  async assertAllowed(raw: string): Promise<void> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new UrlNotAllowedError(raw, 'not a valid URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UrlNotAllowedError(raw, 'only http and https');
    if (url.username || url.password) throw new UrlNotAllowedError(raw, 'credentials in URLs are not allowed');
    if (this.allowPrivate) return;
    const host = url.hostname.replace(/^\[|\]$/g, '');
    let addresses: string[];
    if (isIP(host)) addresses = [host];
    else {
      try {
        addresses = (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
      } catch {
        throw new UrlNotAllowedError(raw, `host ${host} does not resolve`);
      }
    }
    const bad = addresses.find(isPrivateAddress);
    if (bad) {
      throw new UrlNotAllowedError(raw, `${host} resolves to a private or loopback address (${bad}); set IMBRIDGE_ALLOW_PRIVATE_URLS=true to allow`);
    }
  }
}
