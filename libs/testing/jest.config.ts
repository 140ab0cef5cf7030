/* eslint-disable */
const preset = require('../../jest.preset.js');

export default { ...preset, displayName: 'testing', rootDir: __dirname };
