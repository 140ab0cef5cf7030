const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { join } = require('path');

/**
 * NxAppWebpackPlugin reads the cached Nx project graph and the NX_TASK_TARGET_PROJECT /
 * NX_TASK_TARGET_TARGET env vars, which only exist when Nx itself runs the target. Provide both
 * so plain `npx webpack --config apps/api/webpack.config.js` works as well.
 */
async function ensureNxTaskContext(project, target) {
  if (process.env.NX_TASK_TARGET_PROJECT) return;
  process.env.NX_TASK_TARGET_PROJECT = project;
  process.env.NX_TASK_TARGET_TARGET = target;
  const { createProjectGraphAsync } = require('@nx/devkit');
  await createProjectGraphAsync({ exitOnError: false }); // computes and caches the graph (.nx/workspace-data)
}

module.exports = async () => {
  await ensureNxTaskContext('api', 'build');
  return {
    output: { path: join(__dirname, '../../dist/apps/api') },
    plugins: [
      new NxAppWebpackPlugin({
        target: 'node',
        compiler: 'tsc',
        main: './src/main.ts',
        tsConfig: './tsconfig.app.json',
        optimization: false,
        outputHashing: 'none',
        generatePackageJson: false,
        sourceMap: true,
      }),
    ],
  };
};
