import { type ConfigCache, ConfigChanges } from '../common/config-changes.service';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import type { BotExternalAppConfig, BotSettingsView, BotStepSetting } from '@imbridge/contracts';
import { BotSettingsEntity, IntegrationEntity } from '@imbridge/persistence';
import { type AuditActor, AuditService } from '../audit/audit.service';
import { ApiError, notFound } from '../common/api-error';
import { UUID_PATTERN as UUID } from '../common/ids';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { HANDOFF_KEYWORDS } from '../keyword-rules/handoff';
import { SecretsService } from '../security/secrets.service';
import { UrlNotAllowedError, UrlPolicy } from '../security/url-policy';
import { STEP_KINDS, type UpdateBotSettingsDto } from './bot-settings.dto';

export const DEFAULT_FALLBACK_TEXT = '抱歉，我暂时无法回答这个问题。您可以换个说法，或回复“人工”联系客服。';

/** The settings the pipeline runs with (a row, or the defaults), with the app secret opened. */
export type BotRuntimeSettings = Omit<BotSettingsView, 'appSecret' | 'updatedAt'> & { appSecret: string | null };

export function defaultBotSettings(integrationId: string): BotRuntimeSettings {
  return {
    integrationId,
    steps: STEP_KINDS.map((step) => ({ step, enabled: true })),
    faqThreshold: 0.3,
    faqSuggestions: true,
    fallbackText: DEFAULT_FALLBACK_TEXT,
    handoffAfterFailures: 3,
    handoffKeywords: [...HANDOFF_KEYWORDS],
    autoAssign: true,
    externalApp: null,
    appSecret: null,
  };
}

const SECRET_COLUMN = 'app_secret_enc';

/** The column is float4: 0.3 reads back as 0.30000001192…; three decimals are all a slider sets. */
const roundThreshold = (v: number): number => Math.round(v * 1000) / 1000;

interface FieldProblem {
  field: string;
  message: { zh: string; en: string };
}

const invalid = (problems: FieldProblem[]): ApiError =>
  new ApiError(
    400,
    'VALIDATION_FAILED',
    problems.map((p) => `${p.field}: ${p.message.en}`).join('; '),
    problems.map((p) => `${p.field}：${p.message.zh}`).join('；'),
    problems,
  );

/** Each step once, in the given order; steps left out are appended, switched off. */
function normalizeSteps(steps: BotStepSetting[], problems: FieldProblem[]): BotStepSetting[] {
  const seen = new Set<string>();
  for (const s of steps) {
    if (seen.has(s.step)) problems.push({ field: 'steps', message: { en: `step '${s.step}' is listed twice`, zh: `步骤「${s.step}」重复` } });
    seen.add(s.step);
  }
  const out = steps.map((s) => ({ step: s.step, enabled: s.enabled }));
  for (const step of STEP_KINDS) if (!seen.has(step)) out.push({ step, enabled: false });
  return out;
}

const SETTINGS_CACHE = 'bot-settings';

/**
 * Per-integration bot settings: read (defaults when no row), changed by admins (audited), the app's
 * key/secret sealed with the row and column as AAD and never returned (only "set, last 4").
 */
@Injectable()
export class BotSettingsService {
  private readonly policy: UrlPolicy;

  constructor(
    @InjectRepository(BotSettingsEntity) private readonly repo: Repository<BotSettingsEntity>,
    @InjectRepository(IntegrationEntity) private readonly integrations: Repository<IntegrationEntity>,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly secrets: SecretsService,
    private readonly audit: AuditService,
    private readonly changes: ConfigChanges,
  ) {
    this.policy = new UrlPolicy(config.allowPrivateUrls);
    this.cache = changes.cache<BotRuntimeSettings>(SETTINGS_CACHE);
  }

  /** Runtime settings by integration id, for the pipeline's every message. */
  private readonly cache: ConfigCache<BotRuntimeSettings>;

  async get(integrationId: string): Promise<BotSettingsView> {
    await this.checkIntegration(integrationId);
    const row = await this.repo.findOne({ where: { integrationId } });
    return row ? this.view(row) : { ...this.publicPart(defaultBotSettings(integrationId)), appSecret: { set: false, last4: null }, updatedAt: null };
  }

  /** What the pipeline runs with; the secret decrypted. */
  runtime(integrationId: string): Promise<BotRuntimeSettings> {
    return this.cache.get(integrationId, () => this.load(integrationId));
  }

  private async load(integrationId: string): Promise<BotRuntimeSettings> {
    const row = await this.repo.findOne({ where: { integrationId } });
    if (!row) return defaultBotSettings(integrationId);
    return {
      integrationId,
      steps: row.steps,
      faqThreshold: roundThreshold(row.faqThreshold),
      faqSuggestions: row.faqSuggestions,
      fallbackText: row.fallbackText,
      handoffAfterFailures: row.handoffAfterFailures,
      handoffKeywords: row.handoffKeywords ?? [...HANDOFF_KEYWORDS],
      autoAssign: row.autoAssign,
      externalApp: row.externalApp,
      appSecret: row.appSecretEnc ? this.secrets.open(row.appSecretEnc, SecretsService.aad('bot_settings', integrationId, SECRET_COLUMN)) : null,
    };
  }

  async update(integrationId: string, dto: UpdateBotSettingsDto, actor: AuditActor): Promise<BotSettingsView> {
    await this.checkIntegration(integrationId);
    const current = await this.repo.findOne({ where: { integrationId } });
    const base = current ?? Object.assign(new BotSettingsEntity(), { ...this.publicPart(defaultBotSettings(integrationId)), appSecretEnc: null, appSecretLast4: null });
    const problems: FieldProblem[] = [];
    if (dto.appSecret !== undefined && dto.clearAppSecret) {
      problems.push({ field: 'appSecret', message: { en: 'give appSecret or clearAppSecret, not both', zh: '不能同时设置和清除密钥' } });
    }
    const steps = dto.steps ? normalizeSteps(dto.steps, problems) : base.steps;
    const externalApp = dto.externalApp === undefined ? base.externalApp : dto.externalApp === null ? null : this.cleanApp(dto.externalApp);
    if (externalApp && dto.externalApp) await this.checkUrl(externalApp.url, problems);
    if (externalApp?.kind === 'openai' && !externalApp.model) {
      problems.push({ field: 'externalApp.model', message: { en: 'model (or app id) is required for an OpenAI-compatible app', zh: 'OpenAI 兼容应用需填写模型（或应用 ID）' } });
    }
    const secretWillBeSet = dto.appSecret !== undefined || (!dto.clearAppSecret && !!base.appSecretEnc);
    if (externalApp?.kind === 'webhook' && !secretWillBeSet) {
      problems.push({ field: 'appSecret', message: { en: 'a webhook needs a signing secret', zh: 'Webhook 需要设置签名密钥' } });
    }
    const keywords = dto.handoffKeywords?.map((k) => k.trim()).filter((k) => k !== '');
    if (problems.length) throw invalid(problems);

    const next: BotSettingsEntity = Object.assign(new BotSettingsEntity(), {
      integrationId,
      steps,
      faqThreshold: dto.faqThreshold ?? base.faqThreshold,
      faqSuggestions: dto.faqSuggestions ?? base.faqSuggestions,
      fallbackText: dto.fallbackText === undefined ? base.fallbackText : dto.fallbackText?.trim() ? dto.fallbackText : null,
      handoffAfterFailures: dto.handoffAfterFailures ?? base.handoffAfterFailures,
      handoffKeywords: keywords ? [...new Set(keywords)] : base.handoffKeywords,
      autoAssign: dto.autoAssign ?? base.autoAssign,
      externalApp,
      appSecretEnc: base.appSecretEnc,
      appSecretLast4: base.appSecretLast4,
    });
    let secretChange: 'set' | 'cleared' | 'kept' = 'kept';
    if (dto.clearAppSecret) {
      next.appSecretEnc = null;
      next.appSecretLast4 = null;
      secretChange = 'cleared';
    } else if (dto.appSecret !== undefined) {
      next.appSecretEnc = this.secrets.seal(dto.appSecret, SecretsService.aad('bot_settings', integrationId, SECRET_COLUMN));
      // A short secret would be mostly revealed by its last 4.
      next.appSecretLast4 = dto.appSecret.length >= 12 ? dto.appSecret.slice(-4) : null;
      secretChange = 'set';
    }
    await this.repo.save(next);
    await this.changes.changed(SETTINGS_CACHE, integrationId);
    const fields = Object.keys(dto).filter((k) => k !== 'appSecret' && k !== 'clearAppSecret');
    await this.audit.record(actor, 'bot_settings.update', { type: 'integration', id: integrationId }, {
      fields,
      secret: secretChange,
      steps: next.steps.map((s) => `${s.step}:${s.enabled ? 'on' : 'off'}`),
      externalApp: next.externalApp ? { kind: next.externalApp.kind, host: hostOf(next.externalApp.url) } : null,
    });
    return this.get(integrationId);
  }

  private cleanApp(a: NonNullable<UpdateBotSettingsDto['externalApp']>): BotExternalAppConfig {
    return {
      kind: a.kind,
      url: a.url.trim(),
      ...(a.model?.trim() ? { model: a.model.trim() } : {}),
      ...(a.systemPrompt?.trim() ? { systemPrompt: a.systemPrompt } : {}),
      historyMessages: a.historyMessages,
      timeoutMs: a.timeoutMs,
      stream: a.stream,
      ...(a.handoffMarker?.trim() ? { handoffMarker: a.handoffMarker.trim() } : {}),
    };
  }

  private async checkUrl(url: string, problems: FieldProblem[]): Promise<void> {
    try {
      await this.policy.assertAllowed(url);
    } catch (err) {
      if (!(err instanceof UrlNotAllowedError)) throw err;
      problems.push({ field: 'externalApp.url', message: { en: `URL not allowed: ${err.reason}`, zh: `不允许的地址：${err.reason}（内网地址需由运维设置 IMBRIDGE_ALLOW_PRIVATE_URLS=true 才能使用）` } });
    }
  }

  private async checkIntegration(id: string): Promise<void> {
    if (!UUID.test(id) || !(await this.integrations.exists({ where: { id } }))) throw notFound('integration', '集成');
  }

  private publicPart(s: Omit<BotRuntimeSettings, 'appSecret'>): Omit<BotSettingsView, 'appSecret' | 'updatedAt'> {
    return {
      integrationId: s.integrationId,
      steps: s.steps,
      faqThreshold: s.faqThreshold,
      faqSuggestions: s.faqSuggestions,
      fallbackText: s.fallbackText,
      handoffAfterFailures: s.handoffAfterFailures,
      handoffKeywords: s.handoffKeywords,
      autoAssign: s.autoAssign,
      externalApp: s.externalApp,
    };
  }

  private view(row: BotSettingsEntity): BotSettingsView {
    return {
      ...this.publicPart({ ...row, handoffKeywords: row.handoffKeywords ?? [...HANDOFF_KEYWORDS] }),
      faqThreshold: roundThreshold(row.faqThreshold),
      appSecret: { set: !!row.appSecretEnc, last4: row.appSecretEnc ? row.appSecretLast4 : null },
      updatedAt: row.updatedAt ? new Date(row.updatedAt).toISOString() : null,
    };
  }
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).host;
  } catch {
    return null;
  }
}
