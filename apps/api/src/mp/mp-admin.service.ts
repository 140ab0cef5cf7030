import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import type { I18nText, MpMenu, MpMenuView, MpQrCodeView, MpStatusView } from '@imbridge/contracts';
import { MpMenuEntity, MpQrCodeEntity } from '@imbridge/persistence';
import { PlatformError } from '@imbridge/platform-core';
import {
  checkMpMenu,
  createMpMenu,
  createMpQrCode,
  getMpMenu,
  mpCanUseCustomerService,
  mpCredentialAdvice,
  mpDeliveryMode,
  mpErrorReason,
  mpQrCodeImageUrl,
  normalizeMpMenu,
  parseMpMenuButtons,
  readMpConfig,
  type MpConfig,
} from '@imbridge/platform-mp';
import { AuditService, type AuditActor } from '../audit/audit.service';
import { ApiError } from '../common/api-error';
import { validationFailed, type FieldError } from '../common/field-errors';
import { isUuid } from '../common/ids';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { IntegrationsService } from '../integrations/integrations.service';
import { RedisTokenStore } from '../outbound/redis-token-store';
import { GuardedHttpClient } from '../security/guarded-http.client';
import { UrlPolicy } from '../security/url-policy';
import type { CreateMpQrCodeDto, UpdateMpQrCodeDto } from './mp-admin.dto';

export const MP_PLATFORM = 'mp';
export const MP_QR_NAME_MAX_CHARS = 64;
export const MP_QR_SCENE_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const MP_QR_MIN_EXPIRE_SECONDS = 60;
export const MP_QR_MAX_EXPIRE_SECONDS = 2_592_000;
export const MP_QR_DEFAULT_EXPIRE_SECONDS = 604_800;
export const MP_QR_WELCOME_MAX_CHARS = 600;

/** What menus and QR codes need, for 48001 on those APIs. */
const MENU_PERMISSION: I18nText = {
  zh: '接口未授权（48001）：自定义菜单需要服务号或已认证的公众号。请确认账号类型与认证状态（「设置与开发 → 账号设置」）。',
  en: 'API not authorized (48001): menus need a service account or a verified account. Check the account type and verification under Settings & Development → Account Settings.',
};
const QR_PERMISSION: I18nText = {
  zh: '接口未授权（48001）：带参数二维码仅限已认证的服务号。请确认账号类型与认证状态（「设置与开发 → 账号设置」）。',
  en: 'API not authorized (48001): QR codes with parameters need a verified service account. Check the account type and verification under Settings & Development → Account Settings.',
};

type Api = 'menu' | 'qrcode';

/** What a failed MP call means to the administrator (zh/en), by errcode where we know it. */
function platformAdvice(err: unknown, api: Api): { platformCode: string; message: I18nText } {
  const detail = err instanceof Error ? err.message : String(err);
  const platformCode = err instanceof PlatformError && err.platformCode !== undefined ? err.platformCode : 'PLATFORM_ERROR';
  const errcode = Number(platformCode);
  if (!Number.isInteger(errcode)) {
    return {
      platformCode,
      message: { zh: `调用公众号接口失败：${detail}`, en: `The WeChat MP API call failed: ${detail}` },
    };
  }
  if (errcode === 48001) return { platformCode, message: api === 'menu' ? MENU_PERMISSION : QR_PERMISSION };
  const reason = mpErrorReason(errcode);
  if (reason) return { platformCode, message: reason };
  // mpCredentialAdvice knows the whitelist (naming the IP from the errmsg), AppID/AppSecret, quota, busy.
  return { platformCode, message: mpCredentialAdvice(errcode, detail.replace(/^WeChat MP \S+: -?\d+ /, '')) };
}

/** A failed platform call as an API error: 409 when the administrator must change something, else 502. */
function platformApiError(err: unknown, api: Api): ApiError {
  const { platformCode, message } = platformAdvice(err, api);
  const code = err instanceof PlatformError ? err.code : 'UNKNOWN';
  const status = code === 'PERMISSION' || code === 'CONFIG' || code === 'INVALID' ? 409 : 502;
  return new ApiError(status, 'PLATFORM_ERROR', message.en, message.zh, { platformCode, errorCode: code });
}

/**
 * 公众号 administration: account status, the custom menu (draft here, published with menu/create,
 * read back with menu/get) and parameterized QR codes (qrcode/create, kept in mp_qr_codes with the
 * welcome text for users who scan them). Platform calls use the integration's decrypted config, the
 * SSRF-guarded client and the shared Redis token store.
 */
@Injectable()
export class MpAdminService {
  private readonly http: GuardedHttpClient;

  constructor(
    private readonly integrations: IntegrationsService,
    private readonly tokens: RedisTokenStore,
    private readonly audit: AuditService,
    @InjectRepository(MpMenuEntity) private readonly menus: Repository<MpMenuEntity>,
    @InjectRepository(MpQrCodeEntity) private readonly qrCodes: Repository<MpQrCodeEntity>,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.http = new GuardedHttpClient(new UrlPolicy(config.allowPrivateUrls));
  }

  private get ctx() {
    return { http: this.http, tokens: this.tokens };
  }

  /** The integration's mp config; 404 when it does not exist, 400 when it is another platform. */
  private async mpConfig(integrationId: string): Promise<MpConfig> {
    const integration = isUuid(integrationId) ? await this.integrations.runtime(integrationId) : null;
    if (!integration) throw new ApiError(404, 'NOT_FOUND', 'integration not found', '集成不存在');
    if (integration.platform !== MP_PLATFORM) {
      throw new ApiError(400, 'WRONG_PLATFORM', `integration is a ${integration.platform} integration, not a WeChat Official Account (mp)`, '该集成不是微信公众号（mp）接入');
    }
    try {
      return readMpConfig(integration.config);
    } catch (err) {
      throw new ApiError(400, 'INVALID_CONFIG', `the integration's configuration is incomplete: ${(err as Error).message}`, '该接入的配置不完整，请在接入设置中补全后再试');
    }
  }

  async status(integrationId: string): Promise<MpStatusView> {
    const cfg = await this.mpConfig(integrationId);
    const deliveryMode = mpDeliveryMode(cfg);
    return {
      deliveryMode,
      deliveryReason: deliveryReason(cfg, deliveryMode),
      encryptionMode: cfg.encryptionMode,
      encryptionWarning: encryptionWarning(cfg.encryptionMode),
      canUseMenu: canUseMenu(cfg),
      canUseQrCodes: canUseQrCodes(cfg),
    };
  }

  // ---- menu ----

  /** The draft, and the live menu (menu/get) or, when WeChat cannot be asked, the stored published copy. */
  async menu(integrationId: string): Promise<MpMenuView> {
    const cfg = await this.mpConfig(integrationId);
    const row = await this.menus.findOne({ where: { integrationId } });
    const stored = row?.published ? { button: parseMpMenuButtons(row.published.button) } : null;
    const view: MpMenuView = {
      draft: row?.draft ?? null,
      published: stored,
      publishedAt: row?.publishedAt ? row.publishedAt.toISOString() : null,
      canPublish: canUseMenu(cfg),
      platformError: null,
    };
    // An account without the menu API would only answer 48001: the stored copy is all there is.
    if (!view.canPublish) return view;
    try {
      view.published = await getMpMenu(this.ctx, cfg);
    } catch (err) {
      const { platformCode, message } = platformAdvice(err, 'menu');
      view.platformError = { code: platformCode, message };
    }
    return view;
  }

  async saveDraft(integrationId: string, body: unknown, actor: AuditActor): Promise<MpMenuView> {
    await this.mpConfig(integrationId);
    const menu = normalizeMpMenu(body);
    const problems = checkMpMenu(menu);
    if (problems.length > 0) throw validationFailed(problems, `菜单有误：${problems.map((p) => `${p.field}：${p.message.zh}`).join('；')}`);
    const draft = menu as MpMenu;
    await this.menus.upsert({ integrationId, draft }, ['integrationId']);
    await this.audit.record(actor, 'mp.menu.draft', { type: 'integration', id: integrationId }, { buttons: countButtons(draft) });
    return this.menu(integrationId);
  }

  /** menu/create with the saved draft; on success the draft is what is published. */
  async publish(integrationId: string, actor: AuditActor): Promise<MpMenuView> {
    const cfg = await this.mpConfig(integrationId);
    const row = await this.menus.findOne({ where: { integrationId } });
    if (!row?.draft) throw new ApiError(400, 'NO_DRAFT', 'there is no saved menu draft to publish: save one first (PUT …/mp/menu)', '没有已保存的菜单草稿，请先保存草稿再发布');
    const draft = row.draft;
    try {
      await createMpMenu(this.ctx, cfg, draft);
    } catch (err) {
      await this.audit.record(actor, 'mp.menu.publish.failed', { type: 'integration', id: integrationId }, {
        platformCode: err instanceof PlatformError ? (err.platformCode ?? null) : null,
      });
      throw platformApiError(err, 'menu');
    }
    await this.menus.update({ integrationId }, { published: draft, publishedAt: new Date() });
    await this.audit.record(actor, 'mp.menu.publish', { type: 'integration', id: integrationId }, { buttons: countButtons(draft) });
    return this.menu(integrationId);
  }

  // ---- QR codes ----

  async listQrCodes(integrationId: string): Promise<MpQrCodeView[]> {
    await this.mpConfig(integrationId);
    const rows = await this.qrCodes.find({ where: { integrationId }, order: { createdAt: 'DESC', id: 'DESC' } });
    return rows.map(qrView);
  }

  async createQrCode(integrationId: string, dto: CreateMpQrCodeDto, actor: AuditActor): Promise<MpQrCodeView> {
    const errors: FieldError[] = [];
    const name = checkQrName(dto.name, errors);
    if (typeof dto.scene !== 'string' || !MP_QR_SCENE_PATTERN.test(dto.scene)) {
      errors.push({ field: 'scene', message: { en: 'the scene must be 1-64 characters of A-Z a-z 0-9 _ -', zh: '场景值需为 1 到 64 位的字母、数字、_ 或 -' } });
    }
    let expireSeconds: number | undefined;
    if (!dto.permanent) {
      expireSeconds = dto.expireSeconds ?? MP_QR_DEFAULT_EXPIRE_SECONDS;
      if (!Number.isInteger(expireSeconds) || expireSeconds < MP_QR_MIN_EXPIRE_SECONDS || expireSeconds > MP_QR_MAX_EXPIRE_SECONDS) {
        errors.push({
          field: 'expireSeconds',
          message: {
            en: `a temporary QR code lives ${MP_QR_MIN_EXPIRE_SECONDS} to ${MP_QR_MAX_EXPIRE_SECONDS} seconds (30 days)`,
            zh: `临时二维码有效期需为 ${MP_QR_MIN_EXPIRE_SECONDS} 到 ${MP_QR_MAX_EXPIRE_SECONDS} 秒（30 天）`,
          },
        });
      }
    }
    const welcomeText = checkWelcome(dto.welcomeText, errors);
    if (errors.length > 0) throw validationFailed(errors);
    const cfg = await this.mpConfig(integrationId);
    // Checked before asking WeChat: permanent codes are a limited resource and cannot be revoked.
    if (await this.qrCodes.exists({ where: { integrationId, scene: dto.scene } })) throw sceneTaken(dto.scene);
    let created: Awaited<ReturnType<typeof createMpQrCode>>;
    try {
      created = await createMpQrCode(this.ctx, cfg, { scene: dto.scene, permanent: dto.permanent, ...(expireSeconds !== undefined ? { expireSeconds } : {}) });
    } catch (err) {
      throw platformApiError(err, 'qrcode');
    }
    const lifetime = dto.permanent ? undefined : (created.expireSeconds ?? expireSeconds);
    let row: MpQrCodeEntity;
    try {
      row = await this.qrCodes.save(
        this.qrCodes.create({
          integrationId,
          name: name!,
          scene: dto.scene,
          permanent: dto.permanent,
          ticket: created.ticket,
          url: created.url,
          expiresAt: lifetime !== undefined ? new Date(Date.now() + lifetime * 1000) : null,
          welcomeText,
        }),
      );
    } catch (err) {
      // Another request took the scene meanwhile.
      if ((err as { driverError?: { code?: string } }).driverError?.code === '23505') throw sceneTaken(dto.scene);
      throw err;
    }
    await this.audit.record(actor, 'mp.qrcode.create', { type: 'integration', id: integrationId }, { qrCodeId: row.id, scene: row.scene, permanent: row.permanent });
    return qrView(row);
  }

  async updateQrCode(integrationId: string, qrId: string, dto: UpdateMpQrCodeDto, actor: AuditActor): Promise<MpQrCodeView> {
    const errors: FieldError[] = [];
    const name = dto.name !== undefined ? checkQrName(dto.name, errors) : undefined;
    const welcomeText = dto.welcomeText !== undefined ? checkWelcome(dto.welcomeText, errors) : undefined;
    if (errors.length > 0) throw validationFailed(errors);
    const row = await this.qrRow(integrationId, qrId);
    if (name !== undefined) row.name = name;
    if (welcomeText !== undefined) row.welcomeText = welcomeText;
    const saved = await this.qrCodes.save(row);
    await this.audit.record(actor, 'mp.qrcode.update', { type: 'integration', id: integrationId }, { qrCodeId: qrId, fields: Object.keys(dto).filter((k) => dto[k as keyof UpdateMpQrCodeDto] !== undefined) });
    return qrView(saved);
  }

  /** Forgets the code here; WeChat has no API to revoke a QR code (a permanent one keeps working). */
  async deleteQrCode(integrationId: string, qrId: string, actor: AuditActor): Promise<void> {
    const row = await this.qrRow(integrationId, qrId);
    await this.qrCodes.delete({ id: row.id, integrationId });
    await this.audit.record(actor, 'mp.qrcode.delete', { type: 'integration', id: integrationId }, { qrCodeId: qrId, scene: row.scene, permanent: row.permanent });
  }

  private async qrRow(integrationId: string, qrId: string): Promise<MpQrCodeEntity> {
    await this.mpConfig(integrationId);
    const row = isUuid(qrId) ? await this.qrCodes.findOne({ where: { id: qrId, integrationId } }) : null;
    if (!row) throw new ApiError(404, 'NOT_FOUND', 'QR code not found', '二维码不存在');
    return row;
  }
}

const sceneTaken = (scene: string): ApiError =>
  new ApiError(409, 'SCENE_TAKEN', `this integration already has a QR code with the scene "${scene}"`, `该接入已有场景值为「${scene}」的二维码`, { field: 'scene' });

function checkQrName(value: unknown, errors: FieldError[]): string | undefined {
  const name = typeof value === 'string' ? value.trim() : '';
  if (name === '' || [...name].length > MP_QR_NAME_MAX_CHARS) {
    errors.push({ field: 'name', message: { en: `the name must be 1-${MP_QR_NAME_MAX_CHARS} characters`, zh: `名称需为 1 到 ${MP_QR_NAME_MAX_CHARS} 个字符` } });
    return undefined;
  }
  return name;
}

/** The welcome text, null for none (null, empty or blank); an error when too long. */
function checkWelcome(value: string | null | undefined, errors: FieldError[]): string | null {
  if (typeof value !== 'string' || value.trim() === '') return null;
  if ([...value].length > MP_QR_WELCOME_MAX_CHARS) {
    errors.push({ field: 'welcomeText', message: { en: `the welcome text must be at most ${MP_QR_WELCOME_MAX_CHARS} characters`, zh: `欢迎语不能超过 ${MP_QR_WELCOME_MAX_CHARS} 个字符` } });
  }
  return value;
}

function qrView(row: MpQrCodeEntity): MpQrCodeView {
  return {
    id: row.id,
    name: row.name,
    scene: row.scene,
    permanent: row.permanent,
    url: row.url,
    imageUrl: mpQrCodeImageUrl(row.ticket),
    expiresAt: row.expiresAt ? row.expiresAt.toISOString() : null,
    welcomeText: row.welcomeText,
    createdAt: row.createdAt.toISOString(),
  };
}

const countButtons = (menu: MpMenu): number => menu.button.reduce((n, b) => n + 1 + (b.sub_button?.length ?? 0), 0);

/** Menus: service accounts, or verified accounts (the simulator enforces 48001 the same way). */
export const canUseMenu = (cfg: Pick<MpConfig, 'accountType' | 'verified'>): boolean => cfg.accountType === 'service' || cfg.verified;
/** QR codes with parameters: verified service accounts only. */
export const canUseQrCodes = (cfg: Pick<MpConfig, 'accountType' | 'verified'>): boolean => cfg.accountType === 'service' && cfg.verified;

function deliveryReason(cfg: MpConfig, mode: 'customer-service' | 'passive'): I18nText {
  const capable = mpCanUseCustomerService(cfg);
  if (cfg.replyMode === 'customer-service') {
    return capable
      ? { zh: '接入设置指定使用客服消息接口：先回复 success，答案随后经客服消息接口发送。', en: 'The integration is set to the customer-service API: callbacks are acknowledged with success and answers are sent afterwards.' }
      : {
          zh: '接入设置指定使用客服消息接口，但未认证的订阅号没有该接口权限（48001），发送将失败；建议改为「自动」或「仅被动回复」。',
          en: 'The integration is set to the customer-service API, but an unverified subscription account has no access to it (48001) and sends will fail; choose "Automatic" or "Passive reply only".',
        };
  }
  if (cfg.replyMode === 'passive') {
    return {
      zh: '接入设置指定仅被动回复：答案须在微信推送的 5 秒内（利用最多 3 次重试）回复，来不及时先回复提示语，答案在用户下一条消息时送达。',
      en: "The integration is set to passive replies only: answers go back inside WeChat's 5-second callback (using its up to 3 deliveries); if an answer is not ready, a holding text is sent and the answer comes with the user's next message.",
    };
  }
  if (mode === 'customer-service') {
    return cfg.accountType === 'service'
      ? { zh: '服务号可使用客服消息接口：先回复 success，答案随后异步发送（用户互动后 48 小时内有条数限制）。', en: 'Service accounts have the customer-service API: callbacks are acknowledged with success and answers are sent afterwards (limited in count, within 48 hours of the user\'s last interaction).' }
      : { zh: '已认证的订阅号可使用客服消息接口：先回复 success，答案随后异步发送（用户互动后 48 小时内有条数限制）。', en: 'Verified subscription accounts have the customer-service API: callbacks are acknowledged with success and answers are sent afterwards (limited in count, within 48 hours of the user\'s last interaction).' };
  }
  return {
    zh: '未认证的订阅号没有客服消息接口，只能在微信推送的 5 秒内被动回复；来不及时先回复提示语，答案在用户下一条消息时送达。',
    en: "Unverified subscription accounts have no customer-service API and can only reply passively inside WeChat's 5-second callback; if an answer is not ready, a holding text is sent and the answer comes with the user's next message.",
  };
}

function encryptionWarning(mode: MpConfig['encryptionMode']): I18nText | null {
  if (mode === 'plain') {
    return {
      zh: '明文模式不安全：消息体没有签名，可被篡改或伪造（仅 URL 上的签名可校验，它不覆盖消息内容）。建议在公众号后台「服务器配置」中改用安全模式，并在此同步修改。',
      en: 'Plain mode is insecure: the message body is not signed and can be altered or forged (the URL signature does not cover the body). Switch to safe mode under Server Configuration in the MP console and change it here as well.',
    };
  }
  if (mode === 'compatible') {
    return {
      zh: '兼容模式下每条消息同时携带明文和密文两份内容，本系统只信任经过签名校验的密文。确认加密消息收发正常后，建议切换为安全模式。',
      en: 'In compatible mode every message carries both a plain and an encrypted copy; only the encrypted, signature-checked copy is trusted here. Once encrypted messages work, switch to safe mode.',
    };
  }
  return null;
}
