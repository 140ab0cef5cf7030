const { nodeAppConfig } = require('../../tools/webpack/node-app.config');

module.exports = nodeAppConfig('platform-sim', __dirname);
