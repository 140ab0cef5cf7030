/* eslint-disable */
const preset = require('../../jest.preset.js');

export default { ...preset, displayName: 'e2e', rootDir: __dirname };
