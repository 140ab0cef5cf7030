const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { join } = require('path');

/**
 * The webpack build of a Node application (the API, the simulator). NxAppWebpackPlugin reads the
 * cached Nx project graph and the NX_TASK_TARGET_PROJECT / NX_TASK_TARGET_TARGET env vars, which only
 * exist when Nx itself runs the target; they are provided here so plain `npx webpack --config …` works.
 */
async function ensureNxTaskContext(project, target) {
  if (process.env.NX_TASK_TARGET_PROJECT) return;
  process.env.NX_TASK_TARGET_PROJECT = project;
  process.env.NX_TASK_TARGET_TARGET = target;
  const { createProjectGraphAsync } = require('@nx/devkit');
  await createProjectGraphAsync({ exitOnError: false }); // computes and caches the graph (.nx/workspace-data)
}

/** `project`: the Nx project name; `dir`: the app folder (its webpack.config.js's __dirname). */
function nodeAppConfig(project, dir) {
  return async () => {
    await ensureNxTaskContext(project, 'build');
    return {
      context: dir,
      output: { path: join(__dirname, '../../dist/apps', project) },
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
}

module.exports = { nodeAppConfig };
