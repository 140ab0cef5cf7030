import { startPlatformSim } from '@imbridge/platform-sim';

/** CLI entry: `PORT` (default 3900) and `HOST` (default 127.0.0.1; use 0.0.0.0 in containers). */
async function main(): Promise<void> {
  const rawPort = process.env['PORT'] ?? '3900';
  const port = Number(rawPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be an integer between 0 and 65535, got ${JSON.stringify(rawPort)}`);
  }
  const host = process.env['HOST'] ?? '127.0.0.1';
  const sim = await startPlatformSim({ port, host });
  console.log(`[platform-sim] listening on ${sim.url} (WeCom API at ${sim.url}/cgi-bin, control API at ${sim.url}/_sim, chat page at ${sim.url}/chat)`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    console.log(`[platform-sim] ${signal}: shutting down`);
    const force = setTimeout(() => process.exit(1), 5000);
    force.unref();
    sim.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('[platform-sim] close failed', err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error('[platform-sim] failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
