import type { Repository } from 'typeorm';
import type { IntegrationEntity } from '@imbridge/persistence';
import { ApiError } from './api-error';

/** One field's problem, in both languages; collected and thrown together as VALIDATION_FAILED. */
export interface FieldError {
  field: string;
  message: { zh: string; en: string };
}

/** 400 VALIDATION_FAILED with the field errors as details; the Chinese message lists them unless one is given. */
export function validationFailed(details: FieldError[], messageZh?: string): ApiError {
  return new ApiError(
    400,
    'VALIDATION_FAILED',
    details.map((d) => `${d.field}: ${d.message.en}`).join('; '),
    messageZh ?? details.map((d) => `${d.field}：${d.message.zh}`).join('；'),
    details,
  );
}

/** Adds an `integrationId` field error when a scoped record names an integration that does not exist (null: all integrations). */
export async function checkIntegrationExists(integrations: Repository<IntegrationEntity>, integrationId: string | null, errors: FieldError[]): Promise<void> {
  if (integrationId === null) return;
  if (!(await integrations.exists({ where: { id: integrationId } }))) {
    errors.push({ field: 'integrationId', message: { en: 'no such integration', zh: '接入不存在' } });
  }
}
