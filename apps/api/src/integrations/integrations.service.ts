import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import {
  checkConfig,
  type CreateIntegrationRequest,
  type FieldProblem,
  type IntegrationView,
  type MaskedSecret,
  type PlatformDescriptor,
  REPLAY_TOLERANCE_FIELD,
  type UpdateIntegrationRequest,
} from '@imbridge/contracts';
import { IntegrationEntity, type StoredSecret } from '@imbridge/persistence';
import { ApiError, notFound } from '../common/api-error';
import { UUID_PATTERN as UUID } from '../common/ids';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { PlatformRegistry } from '../platforms/platform-registry.service';
import { SecretsService } from '../security/secrets.service';
import { UrlNotAllowedError, UrlPolicy } from '../security/url-policy';
import { GuardedHttpClient } from '../security/guarded-http.client';
import { AuditService, type AuditActor } from '../audit/audit.service';
import { type ConfigCache, ConfigChanges } from '../common/config-changes.service';

/** An integration ready for an adapter: defaults applied, secrets decrypted. Never leaves the server. */
/** The answer of "test connection" (POST /api/integrations/:id/test). */
export interface ConnectionTestResult {
  ok: boolean;
  platformCode?: string;
  message?: string;
  advice?: { zh: string; en: string };
  checkedAt: string;
}

export interface RuntimeIntegration {
  id: string;
  platform: string;
  enabled: boolean;
  config: Record<string, unknown>;
  replayToleranceSeconds: number;
  /** The send budget in force: the integration's own, else the operator's, else the platform's default. */
  sendRatePerSecond: number;
}


/** Only for a view of an integration whose platform is no longer available (it cannot send anyway). */
const SEND_RATE_FALLBACK = 30;

/** The ConfigChanges kind of the integrations' runtime cache. */
const CACHE_KIND = 'integration';

@Injectable()
export class IntegrationsService {
  private readonly policy: UrlPolicy;
  /**
   * The callback and send hot paths read an integration per request: cached in each process, and
   * dropped in every process as soon as it changes (a send budget, credentials, enabled).
   */
  private readonly cache: ConfigCache<RuntimeIntegration | null>;

  constructor(
    @InjectRepository(IntegrationEntity) private readonly repo: Repository<IntegrationEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: PlatformRegistry,
    private readonly secrets: SecretsService,
    private readonly audit: AuditService,
    private readonly changes: ConfigChanges,
  ) {
    this.policy = new UrlPolicy(config.allowPrivateUrls);
    this.cache = changes.cache<RuntimeIntegration | null>(CACHE_KIND);
  }

  /** After a change committed: this process forgets the integration now, the others within milliseconds. */
  private async changed(id: string): Promise<void> {
    await this.changes.changed(CACHE_KIND, id);
  }

  callbackUrl(row: Pick<IntegrationEntity, 'platform' | 'id'>): string {
    return `${this.config.publicBaseUrl}/callbacks/${row.platform}/${row.id}`;
  }

  async list(): Promise<IntegrationView[]> {
    const rows = await this.repo.find({ order: { createdAt: 'ASC' } });
    return rows.map((r) => this.view(r));
  }

  async get(id: string): Promise<IntegrationView> {
    return this.view(await this.find(id));
  }

  async create(req: CreateIntegrationRequest, actor: AuditActor): Promise<IntegrationView> {
    const descriptor = this.descriptor(req.platform);
    const config = req.config ?? {};
    await this.validate(descriptor, config, false);
    const id = randomUUID();
    this.checkAcrossFields(descriptor.id, config);
    const { plain, secrets } = this.split(descriptor, id, config, {});
    const sendRatePerSecond = req.sendRatePerSecond ?? null;
    const row = this.repo.create({ id, platform: descriptor.id, name: req.name.trim(), enabled: req.enabled ?? true, config: plain, secrets, lastError: null, sendRatePerSecond });
    await this.repo.insert(row as never); // jsonb columns defeat TypeORM's deep-partial type
    await this.audit.record(actor, 'integration.create', { type: 'integration', id }, {
      platform: descriptor.id,
      name: row.name,
      fields: Object.keys(config),
      ...(sendRatePerSecond !== null ? { sendRatePerSecond } : {}),
    });
    return this.get(id);
  }

  async update(id: string, req: UpdateIntegrationRequest, actor: AuditActor): Promise<IntegrationView> {
    const row = await this.find(id);
    const descriptor = this.descriptor(row.platform);
    const changes = req.config ?? {};
    await this.validate(descriptor, changes, true);
    const { plain, secrets } = this.split(descriptor, id, changes, row.secrets);
    const config = { ...row.config };
    for (const [k, v] of Object.entries(plain)) {
      if (v === null) delete config[k];
      else config[k] = v;
    }
    // A required secret cannot be cleared.
    const problems = descriptor.fields
      .filter((f) => f.secret && f.required && !secrets[f.name])
      .map((f): FieldProblem => ({ field: f.name, message: { zh: `${f.label.zh}不能为空`, en: `${f.label.en} is required` } }));
    if (problems.length) throw this.validationError(problems);
    // A secret kept from before is not sent again: it counts as set.
    this.checkAcrossFields(descriptor.id, { ...config, ...Object.fromEntries(Object.keys(secrets).map((k) => [k, '(set)'])) });
    // Absent: unchanged; null: back to the default.
    const sendRatePerSecond = req.sendRatePerSecond === undefined ? row.sendRatePerSecond : req.sendRatePerSecond;
    await this.repo.update(
      { id },
      { name: req.name?.trim() ?? row.name, enabled: req.enabled ?? row.enabled, config: config as never, secrets, lastError: null, sendRatePerSecond },
    );
    await this.changed(id);
    await this.audit.record(actor, 'integration.update', { type: 'integration', id }, {
      fields: Object.keys(changes),
      name: req.name,
      enabled: req.enabled,
      ...(sendRatePerSecond !== row.sendRatePerSecond ? { sendRatePerSecond: { from: row.sendRatePerSecond, to: sendRatePerSecond } } : {}),
    });
    return this.get(id);
  }

  async remove(id: string, actor: AuditActor): Promise<void> {
    await this.find(id);
    await this.repo.softDelete({ id });
    await this.changed(id);
    await this.audit.record(actor, 'integration.delete', { type: 'integration', id });
  }

  /** For callbacks and senders: null when unknown or deleted. */
  async runtime(id: string): Promise<RuntimeIntegration | null> {
    return this.cache.get(id, async () => {
      const row = await this.repo.findOne({ where: { id } });
      return row ? this.toRuntime(row) : null;
    });
  }

  /**
   * "Test connection": the adapter checks the saved credentials against the platform (a fresh token,
   * never the shared cache) through the SSRF-guarded client. Success clears the integration's
   * lastError; failure sets it.
   */
  async testConnection(id: string, actor: AuditActor): Promise<ConnectionTestResult> {
    const row = await this.find(id);
    const verifier = this.registry.get(row.platform)?.credentials;
    if (!verifier) {
      throw new ApiError(400, 'NOT_SUPPORTED', `platform ${row.platform} cannot test its credentials`, `平台「${row.platform}」不支持测试连接`);
    }
    const runtime = this.toRuntime(row);
    const result = await verifier.verify({
      integrationId: id,
      config: runtime.config,
      http: new GuardedHttpClient(this.policy),
      // No shared cache: the test must see what a fresh token request with these credentials gives.
      tokens: {
        get: async (_key, fetchToken) => (await fetchToken()).token,
        invalidate: async () => undefined,
      },
    });
    const checkedAt = new Date().toISOString();
    if (result.ok) await this.repo.update({ id }, { lastError: null });
    else await this.setLastError(id, result.platformCode ?? 'TEST_FAILED', (result.message ?? result.advice?.en ?? 'connection test failed').slice(0, 500));
    await this.audit.record(actor, 'integration.test', { type: 'integration', id }, { ok: result.ok, platformCode: result.platformCode });
    return { ...result, checkedAt };
  }

  async setLastError(id: string, code: string, message: string): Promise<void> {
    await this.repo.update({ id }, { lastError: { code, message, at: new Date().toISOString() } });
  }

  private toRuntime(row: IntegrationEntity): RuntimeIntegration {
    const descriptor = this.descriptor(row.platform);
    const config: Record<string, unknown> = {};
    for (const f of descriptor.fields) if (f.default !== undefined) config[f.name] = f.default;
    Object.assign(config, row.config);
    for (const [field, stored] of Object.entries(row.secrets)) {
      config[field] = this.secrets.open(stored.sealed, SecretsService.aad('integrations', row.id, field));
    }
    const tolerance = Number(config[REPLAY_TOLERANCE_FIELD] ?? descriptor.defaultReplayToleranceSeconds);
    return { id: row.id, platform: row.platform, enabled: row.enabled, config, replayToleranceSeconds: tolerance, sendRatePerSecond: row.sendRatePerSecond ?? this.defaultSendRate(descriptor) };
  }

  /** The budget of an integration without its own: the operator's (IMBRIDGE_SEND_RATE_PER_SECOND), else the platform's. */
  private defaultSendRate(descriptor: PlatformDescriptor | undefined): number {
    return this.config.sendRatePerSecond ?? descriptor?.defaultSendRatePerSecond ?? SEND_RATE_FALLBACK;
  }

  private descriptor(platform: string): PlatformDescriptor {
    const adapter = this.registry.get(platform);
    if (!adapter) {
      throw new ApiError(400, 'UNKNOWN_PLATFORM', `platform "${platform}" is not available`, `平台「${platform}」不可用`);
    }
    return adapter.descriptor;
  }

  private async find(id: string): Promise<IntegrationEntity> {
    // A strict UUID: anything else (e.g. 36 dashes) would make PostgreSQL's uuid cast fail with a 500.
    const row = UUID.test(id) ? await this.repo.findOne({ where: { id } }) : null;
    if (!row) throw notFound('integration', '集成');
    return row;
  }

  private async validate(descriptor: PlatformDescriptor, config: Record<string, unknown>, partial: boolean): Promise<void> {
    const problems = checkConfig(descriptor.fields, config, { partial });
    for (const field of descriptor.fields) {
      const value = config[field.name];
      if (field.type !== 'url' || typeof value !== 'string' || value === '' || problems.some((p) => p.field === field.name)) continue;
      try {
        await this.policy.assertAllowed(value);
      } catch (err) {
        if (!(err instanceof UrlNotAllowedError)) throw err;
        problems.push({
          field: field.name,
          message: { zh: `不允许的地址：${err.reason}`, en: `not allowed: ${err.reason}` },
        });
      }
    }
    if (problems.length > 0) throw this.validationError(problems);
  }

  /** The adapter's rules across fields (defaults applied first, as the runtime sees the config). */
  private checkAcrossFields(platform: string, config: Record<string, unknown>): void {
    const adapter = this.registry.get(platform);
    if (!adapter?.checkConfig) return;
    const withDefaults: Record<string, unknown> = {};
    for (const f of adapter.descriptor.fields) if (f.default !== undefined) withDefaults[f.name] = f.default;
    const problems = adapter.checkConfig({ ...withDefaults, ...config });
    if (problems.length > 0) throw this.validationError(problems);
  }

  private validationError(problems: FieldProblem[]): ApiError {
    return new ApiError(
      400,
      'VALIDATION_FAILED',
      `invalid configuration: ${problems.map((p) => `${p.field} ${p.message.en}`).join('; ')}`,
      `配置有误：${problems.map((p) => `${p.field}${p.message.zh}`).join('；')}`,
      problems,
    );
  }

  /** Splits submitted fields into plain config and sealed secrets (bound to this row and field). */
  private split(
    descriptor: PlatformDescriptor,
    id: string,
    config: Record<string, unknown>,
    existing: Record<string, StoredSecret>,
  ): { plain: Record<string, unknown>; secrets: Record<string, StoredSecret> } {
    const plain: Record<string, unknown> = {};
    const secrets: Record<string, StoredSecret> = { ...existing };
    for (const field of descriptor.fields) {
      if (!(field.name in config)) continue;
      const value = config[field.name];
      if (field.secret) {
        if (value === null || value === '') delete secrets[field.name];
        else if (value !== undefined) {
          const text = String(value);
          secrets[field.name] = {
            sealed: this.secrets.seal(text, SecretsService.aad('integrations', id, field.name)),
            // Short secrets (a 6-letter Token) would be mostly revealed by their last 4.
            last4: text.length >= 16 ? text.slice(-4) : '',
            updatedAt: new Date().toISOString(),
          };
        }
      } else {
        plain[field.name] = value === '' ? null : field.type === 'number' && typeof value === 'string' ? Number(value) : value;
      }
    }
    return { plain, secrets };
  }

  private view(row: IntegrationEntity): IntegrationView {
    const descriptor = this.registry.get(row.platform)?.descriptor;
    const config: IntegrationView['config'] = {};
    for (const field of descriptor?.fields ?? []) {
      if (field.secret) {
        const s = row.secrets[field.name];
        const masked: MaskedSecret = { set: !!s, last4: s?.last4 ? s.last4 : null, updatedAt: s?.updatedAt ?? null };
        config[field.name] = masked;
      } else {
        const v = row.config[field.name];
        config[field.name] = v === undefined ? null : (v as string | number | boolean | null);
      }
    }
    return {
      id: row.id,
      platform: row.platform,
      name: row.name,
      enabled: row.enabled,
      config,
      callbackUrl: this.callbackUrl(row),
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
      lastError: row.lastError,
      sendRatePerSecond: row.sendRatePerSecond,
      defaultSendRatePerSecond: this.defaultSendRate(descriptor),
    };
  }
}
