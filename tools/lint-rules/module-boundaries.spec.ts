import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The Nx module-boundary rules must actually refuse forbidden imports. Each case lints a snippet as if
 * it were a file of the named project (ESLint's CLI, since its flat config loads as an ES module) and
 * expects, or not, an @nx/enforce-module-boundaries error.
 */
const root = join(__dirname, '../..');

interface LintResult {
  messages: { ruleId: string | null; message: string }[];
}

function boundaryErrors(file: string, code: string): string[] {
  let out: string;
  try {
    out = execFileSync(
      process.execPath,
      [
        join(root, 'node_modules/eslint/bin/eslint.js'),
        '--format', 'json',
        // The snippet is not a file on disk, so type-aware parsing (and its rules) is switched off.
        '--parser-options', 'projectService:false',
        '--rule', '@typescript-eslint/no-floating-promises: off',
        '--rule', '@typescript-eslint/no-misused-promises: off',
        '--rule', '@typescript-eslint/switch-exhaustiveness-check: off',
        '--stdin', '--stdin-filename', join(root, file),
      ],
      { cwd: root, input: code, encoding: 'utf8' },
    );
  } catch (err) {
    // exit code 1 = lint errors found; the JSON report is still on stdout
    out = (err as { stdout: string }).stdout;
  }
  const [result] = JSON.parse(out) as LintResult[];
  const fatal = (result?.messages ?? []).filter((m) => m.ruleId === null);
  if (fatal.length) throw new Error(`ESLint could not lint the snippet: ${fatal.map((m) => m.message).join('; ')}`);
  return (result?.messages ?? []).filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
}

describe('module boundaries', () => {
  it('forbids a shared lib from importing NestJS', () => {
    expect(boundaryErrors('libs/crypto/src/x.ts', `import { Injectable } from '@nestjs/common';\nexport const x = Injectable;\n`)).not.toHaveLength(0);
  });

  it('forbids a platform lib from importing persistence', () => {
    expect(boundaryErrors('libs/platforms/wecom/src/x.ts', `import { ENTITIES } from '@imbridge/persistence';\nexport const x = ENTITIES;\n`)).not.toHaveLength(0);
  });

  it('forbids platform-core (and so any platform) from importing a platform', () => {
    expect(boundaryErrors('libs/platforms/core/src/x.ts', `import { wecomDescriptor } from '@imbridge/platform-wecom';\nexport const x = wecomDescriptor;\n`)).not.toHaveLength(0);
  });

  it('forbids the console from importing server libs', () => {
    expect(boundaryErrors('apps/console/src/x.ts', `import { ENTITIES } from '@imbridge/persistence';\nexport const x = ENTITIES;\n`)).not.toHaveLength(0);
  });

  it('allows a platform lib to use platform-core, contracts and crypto', () => {
    const code = `import { PlatformError } from '@imbridge/platform-core';\nimport { PLATFORM_IDS } from '@imbridge/contracts';\nimport { wxSignature } from '@imbridge/crypto';\nexport const x = [PlatformError, PLATFORM_IDS, wxSignature];\n`;
    expect(boundaryErrors('libs/platforms/wecom/src/x.ts', code)).toEqual([]);
  });
});
