import {
  REPLAY_TOLERANCE_FIELD,
  SEND_RATE_MAX,
  SEND_RATE_MIN,
  type CreateIntegrationRequest,
  type CredentialField,
  type I18nText,
  type IntegrationView,
  type MaskedSecret,
  type PlatformDescriptor,
  type UpdateIntegrationRequest,
} from '@imbridge/contracts';

/** Shape of the integration form: config keys live under `config` so they never clash with name/enabled. */
export interface IntegrationFormValues {
  name: string;
  enabled: boolean;
  config: Record<string, unknown>;
  /** The integration's own send budget; empty (null) for the default. */
  sendRatePerSecond: number | null;
}

export const NAME_MAX_LENGTH = 100;

export function isMaskedSecret(value: unknown): value is MaskedSecret {
  return typeof value === 'object' && value !== null && 'set' in value && typeof (value as MaskedSecret).set === 'boolean';
}

export function isEmptyValue(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/** The stored secret's mask when editing, or undefined (creating, or the field is not secret). */
export function maskedSecretOf(integration: IntegrationView | undefined, field: CredentialField): MaskedSecret | undefined {
  if (!integration || !field.secret) return undefined;
  const value = integration.config[field.name];
  return isMaskedSecret(value) ? value : undefined;
}

function defaultOf(descriptor: PlatformDescriptor, field: CredentialField): unknown {
  if (field.default !== undefined) return field.default;
  if (field.name === REPLAY_TOLERANCE_FIELD) return descriptor.defaultReplayToleranceSeconds;
  if (field.type === 'boolean') return false;
  return undefined;
}

export function initialFormValues(descriptor: PlatformDescriptor, integration?: IntegrationView): IntegrationFormValues {
  const config: Record<string, unknown> = {};
  for (const field of descriptor.fields) {
    if (!integration) {
      config[field.name] = defaultOf(descriptor, field);
      continue;
    }
    const stored = integration.config[field.name];
    // Secrets are never sent back: an empty input means "keep the stored value".
    if (field.secret || isMaskedSecret(stored)) config[field.name] = undefined;
    // A choice never saved (e.g. a field added after the integration was created) works as its default: show that.
    else if ((stored === undefined || stored === null) && field.type === 'select') config[field.name] = defaultOf(descriptor, field);
    else config[field.name] = stored ?? undefined;
  }
  return {
    name: integration?.name ?? '',
    enabled: integration?.enabled ?? true,
    config,
    sendRatePerSecond: integration?.sendRatePerSecond ?? null,
  };
}

/** The budget that applies while the field is empty: the server's (operator or platform) when editing, else the platform's. */
export function defaultSendRate(descriptor: PlatformDescriptor, integration?: IntegrationView): number {
  return integration?.defaultSendRatePerSecond ?? descriptor.defaultSendRatePerSecond;
}

/** Whether a send budget the form holds is acceptable: empty, or a whole number in range. */
export function isValidSendRate(value: unknown): boolean {
  return isEmptyValue(value) || (typeof value === 'number' && Number.isInteger(value) && value >= SEND_RATE_MIN && value <= SEND_RATE_MAX);
}

function sendRateOf(values: IntegrationFormValues): number | null {
  return isEmptyValue(values.sendRatePerSecond) ? null : values.sendRatePerSecond;
}

export function buildCreateRequest(descriptor: PlatformDescriptor, values: IntegrationFormValues): CreateIntegrationRequest {
  const config: Record<string, unknown> = {};
  for (const field of descriptor.fields) {
    const value = values.config[field.name];
    if (!isEmptyValue(value)) config[field.name] = value;
  }
  const sendRatePerSecond = sendRateOf(values);
  return { platform: descriptor.id, name: values.name.trim(), enabled: values.enabled, config, ...(sendRatePerSecond !== null ? { sendRatePerSecond } : {}) };
}

/**
 * Secret fields left empty are omitted (the API keeps what it has); a non-secret field that had a
 * value and was emptied is sent as null, which clears it.
 */
export function buildUpdateRequest(
  descriptor: PlatformDescriptor,
  integration: IntegrationView,
  values: IntegrationFormValues,
): UpdateIntegrationRequest {
  const config: Record<string, unknown> = {};
  for (const field of descriptor.fields) {
    const value = values.config[field.name];
    const stored = integration.config[field.name];
    if (field.secret || isMaskedSecret(stored)) {
      if (!isEmptyValue(value)) config[field.name] = value;
      continue;
    }
    if (!isEmptyValue(value)) config[field.name] = value;
    else if (!isEmptyValue(stored)) config[field.name] = null;
  }
  // The budget only when it changed; emptied, as null: back to the default.
  const sendRatePerSecond = sendRateOf(values);
  return { name: values.name.trim(), enabled: values.enabled, config, ...(sendRatePerSecond !== integration.sendRatePerSecond ? { sendRatePerSecond } : {}) };
}

export type FormFieldPath = ['name'] | ['enabled'] | ['sendRatePerSecond'] | ['config', string];

/** Where a server-side problem belongs on the form, or null if no field matches. */
export function fieldPathForProblem(descriptor: PlatformDescriptor, problemField: string): FormFieldPath | null {
  const bare = problemField.replace(/^config[.[]/, '').replace(/\]$/, '');
  if (bare !== problemField && descriptor.fields.some((f) => f.name === bare)) return ['config', bare];
  if (problemField === 'name') return ['name'];
  if (problemField === 'enabled') return ['enabled'];
  if (problemField === 'sendRatePerSecond') return ['sendRatePerSecond'];
  if (descriptor.fields.some((f) => f.name === problemField)) return ['config', problemField];
  return null;
}

export function pathKey(path: readonly (string | number)[]): string {
  return path.join('.');
}

export interface MappedProblems {
  byField: Map<string, { path: FormFieldPath; message: I18nText }>;
  unmatched: { field: string; message: I18nText }[];
}

export function mapServerProblems(
  descriptor: PlatformDescriptor,
  problems: { field: string; message: I18nText }[],
): MappedProblems {
  const byField = new Map<string, { path: FormFieldPath; message: I18nText }>();
  const unmatched: { field: string; message: I18nText }[] = [];
  for (const problem of problems) {
    const path = fieldPathForProblem(descriptor, problem.field);
    if (!path) unmatched.push(problem);
    else if (!byField.has(pathKey(path))) byField.set(pathKey(path), { path, message: problem.message });
  }
  return { byField, unmatched };
}
