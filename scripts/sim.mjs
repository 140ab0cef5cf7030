// `npm run sim`: builds and runs the platform simulator (PORT, default 3900) for demos and manual tests.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './services.mjs';

const b = spawnSync('npx', ['nx', 'run', 'platform-sim:build', '--outputStyle=stream'], { stdio: 'inherit', cwd: repoRoot, env: { ...process.env, NX_DAEMON: 'false' } });
if (b.status !== 0) process.exit(b.status ?? 1);
const child = spawn(process.execPath, [join(repoRoot, 'dist/apps/platform-sim/main.js')], { stdio: 'inherit', env: { PORT: '3900', ...process.env } });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));
