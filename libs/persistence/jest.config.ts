/* eslint-disable */
const preset = require('../../jest.preset.js');

export default { ...preset, displayName: 'persistence', rootDir: __dirname };
