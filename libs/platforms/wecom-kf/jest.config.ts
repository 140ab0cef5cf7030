/* eslint-disable */
const preset = require('../../../jest.preset.js');

export default { ...preset, displayName: 'platform-wecom-kf', rootDir: __dirname };
