import { SimInputError } from './sim-errors';

/**
 * A scripted fault: from the `fromCall`-th call of `api` on (1-based, counting every call of
 * that API since the simulator started or was last reset, including calls made before the
 * script was added), the next `count` calls (default: all) get this answer instead of the
 * normal one.
 *
 * - `errcode` (+ optional `errmsg`) replaces the JSON answer.
 * - `httpStatus` other than 200 answers that status (with the errcode JSON when given).
 * - `delayMs` delays the answer; without errcode/httpStatus the call is then handled normally.
 */
export interface FaultSpec {
  api: string;
  fromCall: number;
  count?: number;
  errcode?: number;
  errmsg?: string;
  httpStatus?: number;
  delayMs?: number;
}

interface ActiveFault {
  readonly spec: Readonly<FaultSpec>;
  remaining: number;
}

function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 1;
}

/** Validates untrusted input (control API) into a `FaultSpec`; throws `SimInputError`. */
export function parseFaultSpec(value: unknown): FaultSpec {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SimInputError('fault script must be a JSON object');
  }
  const v = value as Record<string, unknown>;
  if (typeof v['api'] !== 'string' || v['api'].length === 0) throw new SimInputError('fault.api must be a non-empty string');
  if (!isPositiveInt(v['fromCall'])) throw new SimInputError('fault.fromCall must be an integer >= 1');
  if (v['count'] !== undefined && !isPositiveInt(v['count'])) throw new SimInputError('fault.count must be an integer >= 1');
  if (v['errcode'] !== undefined && !(typeof v['errcode'] === 'number' && Number.isSafeInteger(v['errcode']))) {
    throw new SimInputError('fault.errcode must be an integer');
  }
  if (v['errmsg'] !== undefined && typeof v['errmsg'] !== 'string') throw new SimInputError('fault.errmsg must be a string');
  const status = v['httpStatus'];
  if (status !== undefined && !(typeof status === 'number' && Number.isInteger(status) && status >= 100 && status <= 599)) {
    throw new SimInputError('fault.httpStatus must be an HTTP status code (100-599)');
  }
  const delay = v['delayMs'];
  if (delay !== undefined && !(typeof delay === 'number' && Number.isFinite(delay) && delay >= 0 && delay <= 600_000)) {
    throw new SimInputError('fault.delayMs must be a number between 0 and 600000');
  }
  if (v['errcode'] === undefined && status === undefined && delay === undefined) {
    throw new SimInputError('fault needs at least one of errcode, httpStatus, delayMs');
  }
  return {
    api: v['api'],
    fromCall: v['fromCall'],
    count: v['count'] as number | undefined,
    errcode: v['errcode'] as number | undefined,
    errmsg: v['errmsg'] as string | undefined,
    httpStatus: status as number | undefined,
    delayMs: delay as number | undefined,
  };
}

/** Per-API fault scripts. Scripts are checked in the order they were added; the first that applies wins. */
export class FaultScriptRegistry {
  private faults: ActiveFault[] = [];

  add(spec: FaultSpec): void {
    const checked = parseFaultSpec(spec);
    this.faults.push({ spec: Object.freeze(checked), remaining: checked.count ?? Number.POSITIVE_INFINITY });
  }

  /** The fault that applies to call `callNumber` of `api`, consuming one use of it; undefined if none. */
  take(api: string, callNumber: number): Readonly<FaultSpec> | undefined {
    const hit = this.faults.find((f) => f.spec.api === api && f.remaining > 0 && callNumber >= f.spec.fromCall);
    if (!hit) return undefined;
    hit.remaining -= 1;
    return hit.spec;
  }

  /** Active scripts (with what is left of their count). */
  list(): Array<FaultSpec & { remaining: number | null }> {
    return this.faults.map((f) => ({ ...f.spec, remaining: Number.isFinite(f.remaining) ? f.remaining : null }));
  }

  clear(api?: string): void {
    this.faults = api === undefined ? [] : this.faults.filter((f) => f.spec.api !== api);
  }
}
