// `testTimeout` in a project's jest.config is ignored when Jest runs the root config with several
// projects (it is a global option), so the end-to-end timeout is set here, per test file.
jest.setTimeout(120_000);
