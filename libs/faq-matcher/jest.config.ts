/* eslint-disable */
const preset = require('../../jest.preset.js');

export default { ...preset, displayName: 'faq-matcher', rootDir: __dirname };
