/** One API call as the simulator saw and answered it (accepted, rejected or faulted). */
export interface CallRecord {
  /** Position among all calls of this recorder since the last reset (1-based). */
  seq: number;
  /** API key, e.g. `gettoken`, `message/send`. */
  api: string;
  /** Position among calls of this `api` since the last reset (1-based); fault scripts count this. */
  callNumber: number;
  method: string;
  path: string;
  query: Record<string, string>;
  remoteAddress: string;
  at: Date;
  /** Tenant the call was attributed to (WeCom: corpid), once known. */
  tenant?: string;
  /** Parsed JSON body when the API takes JSON and it parsed. */
  body?: unknown;
  /** Filled in when the answer is decided. */
  httpStatus?: number;
  errcode?: number;
  errmsg?: string;
  /** True when a fault script produced the answer. */
  faulted: boolean;
}

export type CallInit = Pick<CallRecord, 'method' | 'path' | 'query' | 'remoteAddress'>;

/** Counts and records calls per API. Shared building block for every platform module. */
export class CallLogRecorder {
  private readonly records: CallRecord[] = [];
  private readonly counts = new Map<string, number>();

  /** Registers a call as it arrives and returns its (mutable) record. */
  begin(api: string, init: CallInit): CallRecord {
    const callNumber = (this.counts.get(api) ?? 0) + 1;
    this.counts.set(api, callNumber);
    const record: CallRecord = { ...init, seq: this.records.length + 1, api, callNumber, at: new Date(), faulted: false };
    this.records.push(record);
    return record;
  }

  count(api: string): number {
    return this.counts.get(api) ?? 0;
  }

  /** Snapshot of the records, optionally of one API, in arrival order. */
  list(api?: string): CallRecord[] {
    return this.records.filter((r) => api === undefined || r.api === api).map((r) => ({ ...r, query: { ...r.query } }));
  }

  reset(): void {
    this.records.length = 0;
    this.counts.clear();
  }
}
