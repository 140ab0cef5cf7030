/* eslint-disable */
const preset = require('../../jest.preset.js');

export default { ...preset, displayName: 'lint-rules', rootDir: __dirname, testTimeout: 120_000 };
