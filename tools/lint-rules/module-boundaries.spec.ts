import { join } from 'node:path';
import { ESLint } from 'eslint';

/**
 * The Nx module-boundary rules must actually refuse forbidden imports. Each case lints a snippet as if
 * it were a file of the named project and expects (or not) an @nx/enforce-module-boundaries error.
 */
const root = join(__dirname, '../..');
const eslint = new ESLint({ cwd: root, overrideConfig: [{ rules: { '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/no-misused-promises': 'off', '@typescript-eslint/switch-exhaustiveness-check': 'off' } }] });

async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
}

describe('module boundaries', () => {
  it('forbids a shared lib from importing NestJS', async () => {
    expect(await boundaryErrors('libs/crypto/src/x.ts', `import { Injectable } from '@nestjs/common';\nexport const x = Injectable;\n`)).not.toHaveLength(0);
  });

  it('forbids a platform lib from importing persistence', async () => {
    expect(await boundaryErrors('libs/platforms/wecom/src/x.ts', `import { ENTITIES } from '@imbridge/persistence';\nexport const x = ENTITIES;\n`)).not.toHaveLength(0);
  });

  it('forbids platform-core (and so any platform) from importing a platform', async () => {
    expect(await boundaryErrors('libs/platforms/core/src/x.ts', `import { wecomDescriptor } from '@imbridge/platform-wecom';\nexport const x = wecomDescriptor;\n`)).not.toHaveLength(0);
  });

  it('forbids the console from importing server libs', async () => {
    expect(await boundaryErrors('apps/console/src/x.ts', `import { ENTITIES } from '@imbridge/persistence';\nexport const x = ENTITIES;\n`)).not.toHaveLength(0);
  });

  it('allows a platform lib to use platform-core, contracts and crypto', async () => {
    const code = `import { PlatformError } from '@imbridge/platform-core';\nimport { PLATFORM_IDS } from '@imbridge/contracts';\nimport { wxSignature } from '@imbridge/crypto';\nexport const x = [PlatformError, PLATFORM_IDS, wxSignature];\n`;
    expect(await boundaryErrors('libs/platforms/wecom/src/x.ts', code)).toEqual([]);
  });
});
