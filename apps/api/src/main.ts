import 'reflect-metadata';
import { startApp } from './bootstrap';
import { ConfigError, loadConfig } from './config/app-config';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`imbridge: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  await startApp(config);
}

main().catch((err: unknown) => {
  // Start-up failures (wrong master key, database unreachable, inconsistent adapters) end the process
  // with the reason, instead of running half-configured.
  process.stderr.write(`imbridge failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
