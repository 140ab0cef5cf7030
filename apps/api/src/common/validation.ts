import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { ApiError } from './api-error';

function flatten(errors: ValidationError[], parent = ''): { field: string; message: { zh: string; en: string } }[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((m) => ({ field, message: { zh: m, en: m } }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** DTO validation: unknown properties are refused, errors come back per field. */
export function validationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => {
      const details = flatten(errors);
      return new ApiError(400, 'VALIDATION_FAILED', details.map((d) => `${d.field}: ${d.message.en}`).join('; '), '请求参数有误', details);
    },
  });
}
