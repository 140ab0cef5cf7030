/* eslint-disable */
const preset = require('../../jest.preset.js');

export default { ...preset, displayName: 'crypto', rootDir: __dirname };
