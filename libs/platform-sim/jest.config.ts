/* eslint-disable */
const preset = require('../../jest.preset.js');

export default { ...preset, displayName: 'platform-sim-lib', rootDir: __dirname };
