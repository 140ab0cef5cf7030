// Keeps `npm ci` working with a registry mirror that does not carry every platform build of a native
// package (e.g. @swc/core-darwin-arm64). `npm install` skips such optional packages, leaving them out
// of package-lock.json, and `npm ci` then refuses the lockfile as "out of sync". This adds a lock entry
// for each missing optional platform package, with the os/cpu/libc its name stands for, so npm ci
// skips it on this platform exactly as it would with the real metadata. Run after `npm install`:
//   node scripts/lockfile-placeholders.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './services.mjs';

const file = join(repoRoot, 'package-lock.json');
const lock = JSON.parse(readFileSync(file, 'utf8'));
const pkgs = lock.packages;

const OS = ['darwin', 'win32', 'linux', 'freebsd', 'android', 'openharmony', 'sunos', 'aix'];
const CPU = { x64: 'x64', ia32: 'ia32', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64' };

function platformOf(name) {
  const base = name.split('/').pop();
  if (base.endsWith('all-unknown')) return { cpu: ['!arm', '!arm64', '!riscv64', '!x64'] };
  if (base.endsWith('unknown-all')) return { os: ['!android', '!darwin', '!linux', '!win32'] };
  const parts = base.split('-');
  const os = parts.find((p) => OS.includes(p));
  const cpu = parts.map((p) => (p === 'eabi' || p === 'gnueabihf' || p === 'musleabihf' ? null : CPU[p])).find(Boolean);
  if (!os && !cpu) return null;
  const out = {};
  if (os) out.os = [os];
  if (cpu) out.cpu = [cpu];
  if (os === 'linux') out.libc = [parts.some((p) => p.startsWith('musl')) ? 'musl' : 'glibc'];
  return out;
}

function present(parentPath, name) {
  // Node resolution: nested node_modules of the parent first, then each ancestor, then the root.
  // The first one found is the one npm would use (whatever its version).
  let dir = parentPath;
  for (;;) {
    if (pkgs[`${dir ? `${dir}/` : ''}node_modules/${name}`]) return true;
    if (!dir) return false;
    const i = dir.lastIndexOf('/node_modules/');
    dir = i < 0 ? '' : dir.slice(0, i);
  }
}

let added = 0;
for (const [path, meta] of Object.entries(pkgs)) {
  for (const [dep, spec] of Object.entries(meta.optionalDependencies ?? {})) {
    if (present(path, dep)) continue;
    const platform = platformOf(dep);
    if (!platform) {
      console.warn(`skipped ${dep} (${path}): cannot tell its platform from the name`);
      continue;
    }
    const version = String(spec).replace(/^[\^~=]/, '');
    // Beside the root copy when there is none yet, else nested under the package that wants it.
    const at = pkgs[`node_modules/${dep}`] ? `${path}/node_modules/${dep}` : `node_modules/${dep}`;
    const entry = { version, optional: true, ...platform };
    if (meta.dev) entry.dev = true;
    if (meta.devOptional) entry.devOptional = true;
    pkgs[at] = entry;
    added++;
  }
}
writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
console.log(`added ${added} placeholder(s) for optional platform packages`);
