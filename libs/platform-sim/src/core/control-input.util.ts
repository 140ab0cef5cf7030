import { SimInputError } from './sim-errors';

export type JsonObject = Record<string, unknown>;

/** Parses a control-API body: must be a JSON object, else `SimInputError` (400). */
export function parseJsonObject(body: Buffer): JsonObject {
  if (body.length === 0) throw new SimInputError('request body must be a JSON object', { code: 'invalid_json' });
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new SimInputError('request body is not valid JSON', { code: 'invalid_json' });
  }
  return asObject(value, 'request body');
}

export function asObject(value: unknown, what: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SimInputError(`${what} must be a JSON object`);
  }
  return value as JsonObject;
}

export function requireString(obj: JsonObject, key: string, what = key): string {
  const v = obj[key];
  if (typeof v !== 'string' || v.length === 0) throw new SimInputError(`${what} must be a non-empty string`);
  return v;
}

export function optionalString(obj: JsonObject, key: string, what = key): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new SimInputError(`${what} must be a string`);
  return v;
}

/** Accepts a number or a numeric string (WeCom ids arrive both ways). */
export function requireNumberish(obj: JsonObject, key: string, what = key): number | string {
  const v = obj[key];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return v;
  throw new SimInputError(`${what} must be a number`);
}

export function optionalInt(obj: JsonObject, key: string, opts: { min?: number; max?: number } = {}, what = key): number | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  const min = opts.min ?? Number.MIN_SAFE_INTEGER;
  const max = opts.max ?? Number.MAX_SAFE_INTEGER;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new SimInputError(`${what} must be an integer between ${min} and ${max}`);
  }
  return v;
}

/** An absolute http(s) URL. */
export function requireHttpUrl(obj: JsonObject, key: string): string {
  const v = requireString(obj, key);
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new SimInputError(`${key} must be an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new SimInputError(`${key} must be an http(s) URL`);
  return v;
}
