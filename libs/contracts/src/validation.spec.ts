import type { CredentialField } from './platform';
import { checkConfig, checkFieldValue } from './validation';

function field(overrides: Partial<CredentialField> & Pick<CredentialField, 'name' | 'type'>): CredentialField {
  return {
    label: { zh: overrides.name, en: overrides.name },
    required: false,
    secret: false,
    ...overrides,
  };
}

/** The English message, or null: enough to tell which rule fired. */
function en(f: CredentialField, value: unknown): string | null {
  return checkFieldValue(f, value)?.en ?? null;
}

describe('checkFieldValue', () => {
  describe('missing values', () => {
    const required = field({ name: 'corpId', type: 'string', required: true, label: { zh: '企业ID', en: 'Corp ID' } });
    const optional = field({ name: 'note', type: 'string' });

    it.each([undefined, null, ''])('reports %p as missing for a required field, in both languages', (value) => {
      expect(checkFieldValue(required, value)).toEqual({ zh: '企业ID不能为空', en: 'Corp ID is required' });
    });

    it.each([undefined, null, ''])('accepts %p for an optional field', (value) => {
      expect(checkFieldValue(optional, value)).toBeNull();
    });

    it('applies the required check to every type', () => {
      for (const type of ['string', 'number', 'url', 'boolean', 'select'] as const) {
        expect(en(field({ name: 'f', type, required: true }), undefined)).toBe('f is required');
      }
    });

    it('does not treat false or 0 as missing', () => {
      expect(checkFieldValue(field({ name: 'b', type: 'boolean', required: true }), false)).toBeNull();
      expect(checkFieldValue(field({ name: 'n', type: 'number', required: true }), 0)).toBeNull();
    });
  });

  describe('string', () => {
    const f = field({ name: 's', type: 'string', minLength: 2, maxLength: 5 });

    it('accepts text within the length bounds', () => {
      expect(checkFieldValue(f, 'ab')).toBeNull();
      expect(checkFieldValue(f, 'abcde')).toBeNull();
    });

    it('enforces minLength and maxLength', () => {
      expect(en(f, 'a')).toBe('must be at least 2 characters');
      expect(en(f, 'abcdef')).toBe('must be at most 5 characters');
    });

    it('refuses non-string values', () => {
      expect(en(f, 123)).toBe('must be text');
      expect(en(f, true)).toBe('must be text');
      expect(en(f, { a: 1 })).toBe('must be text');
    });

    it.each([' abc', 'abc ', '\tabc', 'abc\n', ' ', '\u00a0ab'])('refuses leading or trailing whitespace in %p', (value) => {
      expect(en(field({ name: 's', type: 'string' }), value)).toBe('must not start or end with spaces');
    });

    it('allows whitespace inside the value', () => {
      expect(checkFieldValue(field({ name: 's', type: 'string' }), 'a b\tc')).toBeNull();
    });
  });

  describe('pattern', () => {
    it('anchors the pattern to the whole value', () => {
      const f = field({ name: 'p', type: 'string', pattern: '[a-z]{3}' });
      expect(checkFieldValue(f, 'abc')).toBeNull();
      expect(en(f, 'abcd')).toBe('has the wrong format');
      expect(en(f, 'xabc')).toBe('has the wrong format');
      expect(en(f, 'ab')).toBe('has the wrong format');
    });

    it('anchors every branch of an alternation (checked as ^(?:…)$)', () => {
      const f = field({ name: 'p', type: 'string', pattern: 'foo|bar' });
      expect(checkFieldValue(f, 'foo')).toBeNull();
      expect(checkFieldValue(f, 'bar')).toBeNull();
      expect(en(f, 'foox')).toBe('has the wrong format');
      expect(en(f, 'xbar')).toBe('has the wrong format');
      expect(en(f, 'foobar')).toBe('has the wrong format');
    });

    it('uses the field\'s patternMessage when it has one', () => {
      const message = { zh: 'CorpID 为 ww 开头的 18 位字符', en: 'a Corp ID is 18 characters starting with "ww"' };
      const f = field({ name: 'corpId', type: 'string', pattern: 'w[wx][0-9a-fA-F]{16}', patternMessage: message });
      expect(checkFieldValue(f, 'ww0123456789abcdef')).toBeNull();
      expect(checkFieldValue(f, 'ww0123456789abcdef0')).toEqual(message);
    });

    it('checks the length before the pattern', () => {
      const f = field({ name: 'p', type: 'string', pattern: '[a-z]+', maxLength: 3 });
      expect(en(f, 'abcd')).toBe('must be at most 3 characters');
    });

    it('applies to url fields too', () => {
      const f = field({ name: 'u', type: 'url', pattern: 'https://.*' });
      expect(checkFieldValue(f, 'https://example.com')).toBeNull();
      expect(en(f, 'http://example.com')).toBe('has the wrong format');
    });
  });

  describe('url', () => {
    const f = field({ name: 'u', type: 'url' });

    it.each(['https://qyapi.weixin.qq.com', 'http://10.0.0.1:8080/path?q=1', 'https://example.com/a/b/'])('accepts %p', (value) => {
      expect(checkFieldValue(f, value)).toBeNull();
    });

    it.each(['ftp://example.com', 'javascript:alert(1)', 'file:///etc/passwd', 'data:text/plain,hi', 'ws://example.com'])(
      'refuses the protocol of %p',
      (value) => {
        expect(en(f, value)).toBe('must start with http:// or https://');
      },
    );

    it.each(['not a url', 'example.com', '//example.com', 'https://'])('refuses %p as invalid', (value) => {
      expect(en(f, value)).toBe('is not a valid URL');
    });

    it('refuses surrounding whitespace before parsing (URL() would trim it)', () => {
      expect(en(f, ' https://example.com')).toBe('must not start or end with spaces');
    });

    it('refuses a non-string', () => {
      expect(en(f, 42)).toBe('must be text');
    });
  });

  describe('number', () => {
    const f = field({ name: 'n', type: 'number', min: 1, max: 100 });

    it('accepts integers within bounds, including the bounds', () => {
      expect(checkFieldValue(f, 1)).toBeNull();
      expect(checkFieldValue(f, 50)).toBeNull();
      expect(checkFieldValue(f, 100)).toBeNull();
    });

    it('enforces min and max', () => {
      expect(en(f, 0)).toBe('must be at least 1');
      expect(en(f, 101)).toBe('must be at most 100');
    });

    it('accepts whole numbers given as strings (form input) and checks their bounds', () => {
      expect(checkFieldValue(f, '42')).toBeNull();
      expect(en(f, '101')).toBe('must be at most 100');
      expect(en(f, '0')).toBe('must be at least 1');
      expect(checkFieldValue(field({ name: 'n', type: 'number', min: -10 }), '-5')).toBeNull();
      expect(en(field({ name: 'n', type: 'number', min: -10 }), '-11')).toBe('must be at least -10');
    });

    it.each(['4.5', '1e3', '0x10', ' 5', '5 ', '+5', 'abc', '5a', '-', 'Infinity', 'NaN'])('refuses the string %p', (value) => {
      expect(en(f, value)).toBe('must be a whole number');
    });

    it.each([4.5, Number.NaN, Number.POSITIVE_INFINITY, true, [], {}])('refuses %p', (value) => {
      expect(en(f, value)).toBe('must be a whole number');
    });

    it('works without bounds', () => {
      const free = field({ name: 'n', type: 'number' });
      expect(checkFieldValue(free, -123456)).toBeNull();
      expect(checkFieldValue(free, '987654321')).toBeNull();
    });
  });

  describe('boolean', () => {
    const f = field({ name: 'b', type: 'boolean' });

    it('accepts true and false', () => {
      expect(checkFieldValue(f, true)).toBeNull();
      expect(checkFieldValue(f, false)).toBeNull();
    });

    it.each(['true', 'false', 1, 0, 'yes'])('refuses %p', (value) => {
      expect(en(f, value)).toBe('must be true or false');
    });
  });

  describe('select', () => {
    const f = field({
      name: 'mode',
      type: 'select',
      options: [
        { value: 'safe', label: { zh: '安全', en: 'Safe' } },
        { value: 'plain', label: { zh: '明文', en: 'Plain' } },
      ],
    });

    it('accepts an offered value', () => {
      expect(checkFieldValue(f, 'safe')).toBeNull();
      expect(checkFieldValue(f, 'plain')).toBeNull();
    });

    it.each(['Safe', 'other', ' safe', 1, true])('refuses %p', (value) => {
      expect(en(f, value)).toBe('is not one of the allowed values');
    });

    it('refuses everything when no options are defined', () => {
      expect(en(field({ name: 'x', type: 'select' }), 'safe')).toBe('is not one of the allowed values');
    });
  });
});

describe('checkConfig', () => {
  const fields: CredentialField[] = [
    field({ name: 'corpId', type: 'string', required: true, pattern: 'w[wx][0-9a-f]{16}' }),
    field({ name: 'agentId', type: 'number', required: true, min: 1 }),
    field({ name: 'apiBaseUrl', type: 'url' }),
    field({ name: 'enabled', type: 'boolean' }),
  ];
  const valid = { corpId: 'ww0123456789abcdef', agentId: 1000002, apiBaseUrl: 'https://qyapi.weixin.qq.com', enabled: true };

  it('returns no problems for a valid config', () => {
    expect(checkConfig(fields, valid)).toEqual([]);
  });

  it('accepts a config without the optional fields', () => {
    expect(checkConfig(fields, { corpId: valid.corpId, agentId: '1000002' })).toEqual([]);
  });

  it('reports every missing required field', () => {
    expect(checkConfig(fields, {})).toEqual([
      { field: 'corpId', message: { zh: 'corpId不能为空', en: 'corpId is required' } },
      { field: 'agentId', message: { zh: 'agentId不能为空', en: 'agentId is required' } },
    ]);
  });

  it('reports unknown fields', () => {
    const problems = checkConfig(fields, { ...valid, corpSecret: 'x', __proto__x: 1 });
    expect(problems).toEqual([
      { field: 'corpSecret', message: { zh: '未知字段', en: 'unknown field' } },
      { field: '__proto__x', message: { zh: '未知字段', en: 'unknown field' } },
    ]);
  });

  it('reports an own "__proto__" key from parsed JSON as unknown', () => {
    const config = JSON.parse('{"corpId":"ww0123456789abcdef","agentId":1,"__proto__":{"admin":true}}') as Record<string, unknown>;
    expect(checkConfig(fields, config)).toEqual([{ field: '__proto__', message: { zh: '未知字段', en: 'unknown field' } }]);
  });

  it('reports each invalid field with its message', () => {
    const problems = checkConfig(fields, { corpId: 'WW0123456789ABCDEF', agentId: '0', apiBaseUrl: 'ftp://x', enabled: 'yes' });
    expect(problems.map((p) => [p.field, p.message.en])).toEqual([
      ['corpId', 'has the wrong format'],
      ['agentId', 'must be at least 1'],
      ['apiBaseUrl', 'must start with http:// or https://'],
      ['enabled', 'must be true or false'],
    ]);
  });

  describe('partial (updates)', () => {
    it('skips required checks for absent keys', () => {
      expect(checkConfig(fields, {}, { partial: true })).toEqual([]);
      expect(checkConfig(fields, { agentId: 5 }, { partial: true })).toEqual([]);
    });

    it('still validates the keys that are present', () => {
      expect(checkConfig(fields, { agentId: 'x' }, { partial: true }).map((p) => [p.field, p.message.en])).toEqual([
        ['agentId', 'must be a whole number'],
      ]);
    });

    it('treats a present but empty required value as missing', () => {
      expect(checkConfig(fields, { corpId: '' }, { partial: true }).map((p) => [p.field, p.message.en])).toEqual([
        ['corpId', 'corpId is required'],
      ]);
    });

    it('still reports unknown fields', () => {
      expect(checkConfig(fields, { nope: 1 }, { partial: true }).map((p) => p.field)).toEqual(['nope']);
    });

    it('does not see inherited properties as present', () => {
      const inherited = Object.create({ corpId: 'bad value' }) as Record<string, unknown>;
      expect(checkConfig(fields, inherited, { partial: true })).toEqual([]);
    });
  });
});
