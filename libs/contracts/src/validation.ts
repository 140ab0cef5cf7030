import type { CredentialField, I18nText } from './platform';

export interface FieldProblem {
  field: string;
  message: I18nText;
}

/**
 * Checks one value against its field's rules. Shared by the console (live checks while typing)
 * and the API (authoritative), so both say the same thing. Returns null when the value is fine.
 * `undefined`/`''` means "not given": an error only for required fields.
 */
export function checkFieldValue(field: CredentialField, value: unknown): I18nText | null {
  const missing = value === undefined || value === null || value === '';
  if (missing) {
    return field.required ? { zh: `${field.label.zh}不能为空`, en: `${field.label.en} is required` } : null;
  }
  switch (field.type) {
    case 'boolean':
      return typeof value === 'boolean' ? null : { zh: '应为是或否', en: 'must be true or false' };
    case 'number': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : NaN;
      if (!Number.isInteger(n)) return { zh: '应为整数', en: 'must be a whole number' };
      if (field.min !== undefined && n < field.min) return { zh: `不能小于 ${field.min}`, en: `must be at least ${field.min}` };
      if (field.max !== undefined && n > field.max) return { zh: `不能大于 ${field.max}`, en: `must be at most ${field.max}` };
      return null;
    }
    case 'select':
      if (typeof value !== 'string' || !(field.options ?? []).some((o) => o.value === value)) {
        return { zh: '不是可选的值', en: 'is not one of the allowed values' };
      }
      return null;
    case 'url':
    case 'string': {
      if (typeof value !== 'string') return { zh: '应为文本', en: 'must be text' };
      if (value !== value.trim()) return { zh: '首尾不能有空格', en: 'must not start or end with spaces' };
      if (field.minLength !== undefined && value.length < field.minLength) {
        return { zh: `至少 ${field.minLength} 个字符`, en: `must be at least ${field.minLength} characters` };
      }
      if (field.maxLength !== undefined && value.length > field.maxLength) {
        return { zh: `最多 ${field.maxLength} 个字符`, en: `must be at most ${field.maxLength} characters` };
      }
      if (field.type === 'url') {
        let url: URL;
        try {
          url = new URL(value);
        } catch {
          return { zh: '不是有效的网址', en: 'is not a valid URL' };
        }
        if (url.protocol !== 'https:' && url.protocol !== 'http:') {
          return { zh: '网址须以 http:// 或 https:// 开头', en: 'must start with http:// or https://' };
        }
      }
      if (field.pattern !== undefined && !new RegExp(`^(?:${field.pattern})$`).test(value)) {
        return field.patternMessage ?? { zh: '格式不正确', en: 'has the wrong format' };
      }
      return null;
    }
  }
}

/** Checks a whole config; `partial` skips required checks for absent keys (used for updates). */
export function checkConfig(
  fields: CredentialField[],
  config: Record<string, unknown>,
  opts: { partial?: boolean } = {},
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const known = new Set(fields.map((f) => f.name));
  for (const key of Object.keys(config)) {
    if (!known.has(key)) problems.push({ field: key, message: { zh: '未知字段', en: 'unknown field' } });
  }
  for (const field of fields) {
    // Own keys only, like the unknown-field check above (`in` would see Object.prototype members).
    const present = Object.hasOwn(config, field.name);
    if (opts.partial && !present) continue;
    const message = checkFieldValue(field, present ? config[field.name] : undefined);
    if (message) problems.push({ field: field.name, message });
  }
  return problems;
}
