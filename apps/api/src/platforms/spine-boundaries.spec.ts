import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * The generic pipeline (the "spine" folders of the api) names no platform: platforms plug in through
 * platform-core (libs/platforms/core/README.md, "How to add a platform"). The api is one Nx project, so
 * the rule is an ESLint block of eslint.config.mjs (no-restricted-imports + no-restricted-syntax on
 * these folders); this spec proves that block refuses what it should, and that the spine's code and
 * READMEs do not mention a platform either.
 */
const repoRoot = join(__dirname, '../../../..');

/** The spine folders, read from eslint.config.mjs (one list; the coverage case below checks the config applies to each). */
function spineFolders(): string[] {
  const config = readFileSync(join(repoRoot, 'eslint.config.mjs'), 'utf8');
  const list = /const SPINE_FOLDERS = \[([^\]]*)\]/.exec(config)?.[1];
  if (!list) throw new Error('eslint.config.mjs has no SPINE_FOLDERS list');
  return [...list.matchAll(/'([^']+)'/g)].map((m) => m[1] ?? '');
}
const SPINE_FOLDERS = spineFolders();

interface Snippet {
  filePath: string;
  code: string;
}

interface LintMessage {
  ruleId: string | null;
  message: string;
  line: number;
}

/**
 * Lints snippets with ESLint's Node API and the repository's real eslint.config.mjs. In a child
 * process: the flat config is an ES module, which ESLint loads with import(), and Jest's CommonJS
 * sandbox refuses dynamic imports (without --experimental-vm-modules).
 *
 * The snippets are not files on disk, so the project service cannot type them: type-aware parsing
 * and its rules are switched off, and so is the Nx boundary rule (its own spec is
 * tools/lint-rules/module-boundaries.spec.ts). The spine's restriction rules stay as configured.
 */
const LINT_SNIPPETS = `
const { ESLint } = require('eslint');
const snippets = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
const eslint = new ESLint({
  cwd: process.cwd(),
  overrideConfig: {
    languageOptions: { parserOptions: { projectService: false } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/no-misused-promises': 'off',
      '@typescript-eslint/switch-exhaustiveness-check': 'off',
      '@nx/enforce-module-boundaries': 'off',
    },
  },
});
(async () => {
  const out = [];
  for (const { filePath, code } of snippets) {
    const [result] = await eslint.lintText(code, { filePath });
    out.push((result ? result.messages : []).map(({ ruleId, message, line }) => ({ ruleId, message, line })));
  }
  process.stdout.write('\\n' + JSON.stringify(out) + '\\n');
})().catch((err) => {
  console.error(err);
  process.exit(2);
});
`;

function lintSnippets(snippets: Snippet[]): LintMessage[][] {
  const out = execFileSync(process.execPath, ['-e', LINT_SNIPPETS], {
    cwd: repoRoot,
    input: JSON.stringify(snippets),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  // The report is the last line: a plugin may have printed before it.
  const results = JSON.parse(out.trim().split('\n').pop() ?? '[]') as LintMessage[][];
  results.forEach((messages, i) => {
    const fatal = messages.filter((m) => m.ruleId === null);
    if (fatal.length) throw new Error(`ESLint could not lint ${snippets[i]?.filePath}: ${fatal.map((m) => m.message).join('; ')}`);
  });
  return results;
}

const IMPORT_RULE = 'no-restricted-imports';
const SYNTAX_RULE = 'no-restricted-syntax';

describe('the generic pipeline names no platform', () => {
  it('covers the generic folders of the api', () => {
    expect(SPINE_FOLDERS).toEqual(expect.arrayContaining(['inbox', 'callbacks', 'outbound', 'bot', 'conversations', 'inbound-sources', 'reply-window', 'queue']));
  });

  describe('the ESLint rule', () => {
    const refused: { name: string; snippet: Snippet; rule: string }[] = [
      {
        name: "a relative import of the 微信客服 folder ('../kf/kf-puller.service')",
        snippet: { filePath: 'apps/api/src/inbox/x.ts', code: `import { KfPuller } from '../kf/kf-puller.service';\nexport const x = KfPuller;\n` },
        rule: IMPORT_RULE,
      },
      {
        name: "a relative import two levels up ('../../kf/x')",
        snippet: { filePath: 'apps/api/src/inbox/deep/x.ts', code: `import { y } from '../../kf/x';\nexport const x = y;\n` },
        rule: IMPORT_RULE,
      },
      {
        name: "a relative import of the 公众号 folder ('../mp/mp-passive.service')",
        snippet: { filePath: 'apps/api/src/outbound/x.ts', code: `import type { MpPassiveReplies } from '../mp/mp-passive.service';\nexport type X = MpPassiveReplies;\n` },
        rule: IMPORT_RULE,
      },
      {
        name: "an import of '@imbridge/platform-mp'",
        snippet: { filePath: 'apps/api/src/inbox/x.ts', code: `import { readMpConfig } from '@imbridge/platform-mp';\nexport const x = readMpConfig;\n` },
        rule: IMPORT_RULE,
      },
      {
        name: "an import of '@imbridge/platform-wecom-kf'",
        snippet: { filePath: 'apps/api/src/inbox/x.ts', code: `import { kfNotifyFromEvent } from '@imbridge/platform-wecom-kf';\nexport const x = kfNotifyFromEvent;\n` },
        rule: IMPORT_RULE,
      },
      {
        name: "an import of a platform that does not exist yet ('@imbridge/platform-feishu')",
        snippet: { filePath: 'apps/api/src/bot/x.ts', code: `export { feishuDescriptor } from '@imbridge/platform-feishu';\n` },
        rule: IMPORT_RULE,
      },
      {
        name: "a spec importing a platform's test helpers ('@imbridge/platform-mp/testing')",
        snippet: { filePath: 'apps/api/src/inbox/x.spec.ts', code: `import { mpFixture } from '@imbridge/platform-mp/testing';\nexport const x = mpFixture;\n` },
        rule: IMPORT_RULE,
      },
      {
        name: "a branch on a platform id (platform === 'mp')",
        snippet: { filePath: 'apps/api/src/inbox/x.ts', code: `export function f(platform: string): void {\n  if (platform === 'mp') {}\n}\n` },
        rule: SYNTAX_RULE,
      },
      {
        name: "a switch case on a platform id ('wecom-kf')",
        snippet: { filePath: 'apps/api/src/reply-window/x.ts', code: `export function f(platform: string): number {\n  switch (platform) {\n    case 'wecom-kf': return 1;\n    default: return 0;\n  }\n}\n` },
        rule: SYNTAX_RULE,
      },
      {
        name: 'a platform id as a template literal (`feishu`)',
        snippet: { filePath: 'apps/api/src/desk/x.ts', code: 'export const isFeishu = (p: string): boolean => p === `feishu`;\n' },
        rule: SYNTAX_RULE,
      },
    ];

    /** Neither restriction rule may fire on these. */
    const accepted: { name: string; snippet: Snippet }[] = [
      {
        name: "an import of '@imbridge/platform-core'",
        snippet: { filePath: 'apps/api/src/inbox/x.ts', code: `import { PlatformError } from '@imbridge/platform-core';\nexport const x = PlatformError;\n` },
      },
      {
        name: "a spec importing '@imbridge/platform-core/testing'",
        snippet: { filePath: 'apps/api/src/inbox/x.spec.ts', code: `import { fakes } from '@imbridge/platform-core/testing';\nexport const x = fakes;\n` },
      },
      {
        name: 'generic relative imports (../common, ../platforms) and @imbridge/contracts',
        snippet: {
          filePath: 'apps/api/src/inbox/x.ts',
          code: `import { isUuid } from '../common/ids';\nimport { PlatformRegistry } from '../platforms/platform-registry.service';\nimport { PLATFORM_IDS } from '@imbridge/contracts';\nexport const x = [isUuid, PlatformRegistry, PLATFORM_IDS];\n`,
        },
      },
      {
        name: "a string that merely contains a platform id ('mpx', 'wecom-app')",
        snippet: { filePath: 'apps/api/src/inbox/x.ts', code: `export const x = ['mpx', 'wecom-app', 'kf'];\n` },
      },
      {
        name: "'../kf/x' inside the 微信客服 folder itself (apps/api/src/kf)",
        snippet: { filePath: 'apps/api/src/kf/y.ts', code: `import { y } from '../kf/x';\nimport { readMpConfig } from '@imbridge/platform-mp';\nexport const x = [y, readMpConfig];\n` },
      },
      {
        name: "a platform id branch inside the 公众号 folder itself (apps/api/src/mp)",
        snippet: { filePath: 'apps/api/src/mp/y.ts', code: `export function f(platform: string): void {\n  if (platform === 'mp') {}\n}\n` },
      },
    ];

    /** One per spine folder: the config's files glob must cover each of them. */
    const coverage: Snippet[] = SPINE_FOLDERS.map((folder) => ({
      filePath: `apps/api/src/${folder}/x.ts`,
      code: `export const isMp = (p: string): boolean => p === 'mp';\n`,
    }));

    /** What ESLint reported for each snippet, in the order refused, accepted, coverage. */
    let results: LintMessage[][] = [];
    const reported = (i: number): LintMessage[] => results[i] ?? [];

    beforeAll(() => {
      results = lintSnippets([...refused.map((c) => c.snippet), ...accepted.map((c) => c.snippet), ...coverage]);
    }, 120_000);

    const describeMessages = (messages: LintMessage[]): string =>
      JSON.stringify(messages.map((m) => `${m.ruleId}: ${m.message}`), null, 2);

    it.each(refused.map((c, i) => [c.name, c.rule, i] as const))('refuses %s', (_name, rule, i) => {
      const [hit] = reported(i).filter((m) => m.ruleId === rule);
      if (!hit) throw new Error(`expected ${rule}, got ${describeMessages(reported(i))}`);
      // The message says why and where to look.
      expect(hit.message).toContain('The generic pipeline names no platform');
      expect(hit.message).toContain('libs/platforms/core/README.md');
    });

    it.each(accepted.map((c, i) => [c.name, refused.length + i] as const))('accepts %s', (_name, i) => {
      expect(reported(i).filter((m) => m.ruleId === IMPORT_RULE || m.ruleId === SYNTAX_RULE)).toEqual([]);
    });

    it('applies to every spine folder', () => {
      const first = refused.length + accepted.length;
      const uncovered = SPINE_FOLDERS.filter((_folder, i) => !reported(first + i).some((m) => m.ruleId === SYNTAX_RULE));
      expect(uncovered).toEqual([]);
    });
  });

  describe('the spine folders', () => {
    /**
     * /kf|wecom|mp_platform|passive|微信客服|公众号|企业微信/i, except that "kf" counts only at the start of a
     * word or of a camelCase part (kf-puller, KfPuller, WECOM_KF, mpKf): a bare /kf/i also flags
     * checkFaqFields and lockFaq.
     */
    const MENTIONS_A_PLATFORM = /wecom|mp_platform|passive|微信客服|公众号|企业微信/i;
    const KF = /(?<![A-Za-z])[kK][fF]|(?<=[a-z\d])K[fF]/;
    const mentionsAPlatform = (text: string): boolean => MENTIONS_A_PLATFORM.test(text) || KF.test(text);

    it('recognises a mention (and not a word that happens to contain "kf")', () => {
      for (const text of ["from '../kf/kf-puller.service'", 'KfPuller', 'kfNotifyFromEvent', 'WECOM_KF_REPLY_WINDOW', "'wecom-kf'", 'mpKf', 'the 公众号', 'MpPassiveReplies', 'MP_PLATFORM']) {
        expect([text, mentionsAPlatform(text)]).toEqual([text, true]);
      }
      for (const text of ['checkFaqFields', 'lockFaq(m)', 'a bookFair', "platform: 'feishu' is a descriptor's business"]) {
        expect([text, mentionsAPlatform(text)]).toEqual([text, false]);
      }
    });

    /** Every .ts file (specs included) and README.md under `dir`, recursively. */
    function filesUnder(dir: string): string[] {
      return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) return filesUnder(path);
        return entry.isFile() && (entry.name.endsWith('.ts') || entry.name === 'README.md') ? [path] : [];
      });
    }

    it('mention no platform, in code, comments or READMEs', () => {
      const folders = SPINE_FOLDERS.map((f) => join(repoRoot, 'apps/api/src', f)).filter((dir) => existsSync(dir));
      const files = folders.flatMap(filesUnder).sort();
      expect(files.length).toBeGreaterThan(0);

      const offences: string[] = [];
      for (const file of files) {
        readFileSync(file, 'utf8')
          .split('\n')
          .forEach((text, i) => {
            if (mentionsAPlatform(text)) offences.push(`${relative(repoRoot, file)}:${i + 1}: ${text.trim().slice(0, 160)}`);
          });
      }
      if (offences.length) {
        throw new Error(
          `${offences.length} line(s) of the generic pipeline name a platform (${MENTIONS_A_PLATFORM} or ${KF}); move that behaviour ` +
            `behind platform-core's descriptor/hooks (libs/platforms/core/README.md, "How to add a platform"):\n` +
            offences.join('\n'),
        );
      }
    });
  });
});
