import { request } from 'node:http';
import { startPlatformSim } from './index';

describe('startPlatformSim', () => {
  it('listens on a random port of 127.0.0.1 and answers health', async () => {
    const sim = await startPlatformSim();
    try {
      expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${sim.url}/_sim/health`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('application/json');
      expect(await res.json()).toEqual({ ok: true, platforms: ['wecom', 'wecom-kf', 'mp'] });
    } finally {
      await sim.close();
    }
  });

  it('runs independent instances side by side', async () => {
    const [a, b] = await Promise.all([startPlatformSim(), startPlatformSim({ port: 0, host: '127.0.0.1' })]);
    try {
      expect(a.url).not.toBe(b.url);
      a.wecom.addApp({ corpId: 'wwa', agentId: 1, secret: 's' });
      const onB = await fetch(`${b.url}/cgi-bin/gettoken?corpid=wwa&corpsecret=s`);
      expect(((await onB.json()) as { errcode: number }).errcode).toBe(40013);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('closes promptly with a delayed request pending, and close is idempotent', async () => {
    const sim = await startPlatformSim();
    sim.wecom.addApp({ corpId: 'wwd', agentId: 1, secret: 's' });
    sim.wecom.script({ api: 'gettoken', fromCall: 1, delayMs: 60_000 });
    const pending = fetch(`${sim.url}/cgi-bin/gettoken?corpid=wwd&corpsecret=s`).then(
      () => 'answered',
      () => 'dropped',
    );
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await Promise.all([sim.close(), sim.close()]);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await pending).toBe('dropped');
  });

  it('answers 413 for oversized bodies and 400 for a malformed request target', async () => {
    const sim = await startPlatformSim();
    try {
      const status = await new Promise<number>((resolve, reject) => {
        // '//[bad' parses as a protocol-relative URL with an invalid host.
        const req = request(sim.url, { method: 'GET', path: '//[bad' }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
      expect(status).toBe(400);
      const big = await fetch(`${sim.url}/_sim/wecom/apps`, { method: 'POST', body: Buffer.alloc(33 * 1024 * 1024, 0x61) });
      expect(big.status).toBe(413);
    } finally {
      await sim.close();
    }
  });
});
