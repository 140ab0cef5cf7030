// Preloaded into a benchmarked server (`node -r scripts/bench/cpu-profile.cjs …`): SIGWINCH starts the V8
// sampling profiler, the next SIGWINCH stops it and writes `${BENCH_CPU_PROFILE}.<n>.cpuprofile`
// (n = 1, 2, … per window; Nest's shutdown hooks take SIGUSR2, so not that one). Only the measured windows are
// profiled; start-up and warm-up are not.
'use strict';
const inspector = require('node:inspector');
const { writeFileSync } = require('node:fs');

const out = process.env.BENCH_CPU_PROFILE;
if (out) {
  const session = new inspector.Session();
  session.connect();
  let running = false;
  let n = 0;
  process.on('SIGWINCH', () => {
    if (!running) {
      running = true;
      session.post('Profiler.enable', () =>
        session.post('Profiler.setSamplingInterval', { interval: 250 }, () => session.post('Profiler.start')),
      );
      return;
    }
    session.post('Profiler.stop', (err, result) => {
      running = false;
      if (err) {
        process.stderr.write(`cpu-profile: ${err.message}\n`);
        return;
      }
      const file = `${out}.${++n}.cpuprofile`;
      writeFileSync(file, JSON.stringify(result.profile));
      process.stderr.write(`cpu-profile: wrote ${file}\n`);
    });
  });
}
