import { isPrivateAddress, UrlNotAllowedError, UrlPolicy } from './url-policy';

async function refusal(policy: UrlPolicy, url: string): Promise<string> {
  try {
    await policy.assertAllowed(url);
  } catch (err) {
    expect(err).toBeInstanceOf(UrlNotAllowedError);
    expect((err as UrlNotAllowedError).url).toBe(url);
    return (err as UrlNotAllowedError).reason;
  }
  throw new Error(`expected ${url} to be refused`);
}

describe('isPrivateAddress', () => {
  it.each([
    ['10.0.0.0', '10/8'],
    ['10.1.2.3', '10/8'],
    ['10.255.255.255', '10/8'],
    ['172.16.0.1', '172.16/12'],
    ['172.31.255.255', '172.16/12'],
    ['192.168.0.1', '192.168/16'],
    ['192.168.255.255', '192.168/16'],
    ['127.0.0.1', 'loopback'],
    ['127.1.2.3', 'loopback'],
    ['127.255.255.255', 'loopback'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['169.254.0.1', 'link-local'],
    ['100.64.0.1', 'CGNAT 100.64/10'],
    ['100.127.255.255', 'CGNAT 100.64/10'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'this network'],
    ['192.0.0.8', 'IETF protocol assignments'],
    ['198.18.0.1', 'benchmarking'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
  ])('refuses IPv4 %s (%s)', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each([
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback, long form'],
    ['::', 'unspecified'],
    ['fc00::1', 'unique local fc00::/7'],
    ['fd12:3456:789a::1', 'unique local fc00::/7'],
    ['fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'unique local fc00::/7'],
    ['fe80::1', 'link-local fe80::/10'],
    ['febf:ffff::1', 'link-local fe80::/10'],
    ['FE80::ABCD', 'link-local, upper case'],
    ['ff02::1', 'multicast'],
    ['fec0::1', 'deprecated site-local fec0::/10'],
    ['::7f00:1', 'IPv4-compatible ::/96'],
    ['::8.8.8.8', 'IPv4-compatible ::/96'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 64:ff9b::/96 (169.254.169.254)'],
    ['64:ff9b:1::a00:1', 'local-use NAT64 64:ff9b:1::/48'],
  ])('refuses IPv6 %s (%s)', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each(['::ffff:127.0.0.1', '::FFFF:127.0.0.1', '::ffff:7f00:1', '0:0:0:0:0:ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:a00:1', '::ffff:169.254.169.254', '::ffff:192.168.1.1'])(
    'refuses the IPv4-mapped address %s by its IPv4 rules',
    (address) => {
      expect(isPrivateAddress(address)).toBe(true);
    },
  );

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '101.226.103.106',
    '172.15.255.255',
    '172.32.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '11.0.0.1',
    '169.255.0.1',
    '126.255.255.255',
    '128.0.0.1',
    '192.169.0.1',
    '2001:4860:4860::8888',
    '2606:4700:4700::1111',
    '240e::1',
    '::ffff:8.8.8.8',
    '::ffff:808:808',
  ])('allows the public address %s', (address) => {
    expect(isPrivateAddress(address)).toBe(false);
  });

  it.each(['localhost', 'example.com', '', '1.2.3', '256.0.0.1', '[::1]', 'fe80::1%eth0'])('treats the non-address %p as private', (value) => {
    expect(isPrivateAddress(value)).toBe(true);
  });
});

describe('UrlPolicy', () => {
  const strict = new UrlPolicy(false);
  const permissive = new UrlPolicy(true);

  it.each([
    'http://127.0.0.1/',
    'https://127.0.0.1:8443/cgi-bin/gettoken',
    'http://10.0.0.5:8080/hook',
    'http://172.20.1.1/',
    'http://192.168.1.10/',
    'http://169.254.169.254/latest/meta-data/',
    'http://100.64.1.1/',
    'http://0.0.0.0:3000/',
    'http://[::1]:3000/',
    'http://[fd00::1]/',
    'http://[fe80::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:7f00:1]/',
  ])('refuses the private target %s', async (url) => {
    expect(await refusal(strict, url)).toMatch(/private or loopback address/);
  });

  it.each([
    ['decimal', 'http://2130706433/'],
    ['hexadecimal', 'http://0x7f000001/'],
    ['short dotted', 'http://127.1/'],
    ['octal', 'http://0177.0.0.1/'],
  ])('refuses loopback written in %s notation (%s)', async (_name, url) => {
    expect(await refusal(strict, url)).toMatch(/\(127\.0\.0\.1\)/);
  });

  it('refuses localhost after resolving it', async () => {
    expect(await refusal(strict, 'http://localhost:8080/')).toMatch(/private or loopback address/);
  });

  it('explains how to allow private targets', async () => {
    expect(await refusal(strict, 'http://10.0.0.1/')).toContain('IMBRIDGE_ALLOW_PRIVATE_URLS=true');
  });

  it.each(['https://8.8.8.8/', 'http://1.1.1.1:8080/path?q=1', 'https://[2001:4860:4860::8888]/', 'https://101.226.103.106/cgi-bin/gettoken'])(
    'allows the public target %s',
    async (url) => {
      await expect(strict.assertAllowed(url)).resolves.toBeUndefined();
    },
  );

  it.each(['http://127.0.0.1/', 'http://10.0.0.5:8080/', 'http://[::1]/', 'http://localhost:3000/', 'http://169.254.169.254/'])(
    'allows the private target %s when private URLs are allowed',
    async (url) => {
      await expect(permissive.assertAllowed(url)).resolves.toBeUndefined();
    },
  );

  it.each(['ftp://8.8.8.8/', 'file:///etc/passwd', 'gopher://8.8.8.8:70/', 'ws://8.8.8.8/', 'data:text/plain,hi', 'javascript:alert(1)'])(
    'refuses the protocol of %s, even when private URLs are allowed',
    async (url) => {
      expect(await refusal(strict, url)).toBe('only http and https');
      expect(await refusal(permissive, url)).toBe('only http and https');
    },
  );

  it.each(['http://user:pass@8.8.8.8/', 'https://user@8.8.8.8/', 'http://:secret@8.8.8.8/'])(
    'refuses credentials in %s, even when private URLs are allowed',
    async (url) => {
      expect(await refusal(strict, url)).toBe('credentials in URLs are not allowed');
      expect(await refusal(permissive, url)).toBe('credentials in URLs are not allowed');
    },
  );

  it.each(['not a url', '8.8.8.8', '//8.8.8.8/', 'http://', ''])('refuses the invalid URL %p', async (url) => {
    expect(await refusal(permissive, url)).toBe('not a valid URL');
  });
});
