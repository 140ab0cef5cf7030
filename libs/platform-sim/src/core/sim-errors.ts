/**
 * Thrown for bad input to the simulator's own surface (control API bodies, fault scripts,
 * `addApp` options). The HTTP layer maps it to a 4xx JSON answer; it never crashes the server.
 */
export class SimInputError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(message: string, opts: { status?: number; code?: string } = {}) {
    super(message);
    this.name = 'SimInputError';
    this.status = opts.status ?? 400;
    this.code = opts.code ?? 'bad_request';
  }
}
