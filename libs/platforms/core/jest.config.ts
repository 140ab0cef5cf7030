/* eslint-disable */
const preset = require('../../../jest.preset.js');

export default { ...preset, displayName: 'platform-core', rootDir: __dirname };
