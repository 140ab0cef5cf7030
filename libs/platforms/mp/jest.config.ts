/* eslint-disable */
const preset = require('../../../jest.preset.js');

export default { ...preset, displayName: 'platform-mp', rootDir: __dirname };
