import { HttpException } from '@nestjs/common';
import type { ApiErrorBody } from '@imbridge/contracts';

/** An API error with a stable code and a message in both languages. */
export class ApiError extends HttpException {
  constructor(status: number, code: string, message: string, messageZh?: string, details?: unknown) {
    const body: ApiErrorBody = { statusCode: status, code, message, messageZh, details };
    super(body, status);
  }
}

export const notFound = (what: string, zh: string): ApiError => new ApiError(404, 'NOT_FOUND', `${what} not found`, `${zh}不存在`);
