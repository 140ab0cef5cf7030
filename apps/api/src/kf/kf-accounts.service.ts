import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { KfAccountSettings, KfAccountsResponse, KfAccountView, KfContactLink, KfServicerView, KfWelcome } from '@imbridge/contracts';
import { PlatformError } from '@imbridge/platform-core';
import { utf8Length } from '@imbridge/platform-wecom-common';
import { addContactWay, KF_SCENE_PATTERN, listKfAccounts, listKfServicers, readWecomKfConfig, type KfAccount, type WecomKfConfig } from '@imbridge/platform-wecom-kf';
import { ApiError } from '../common/api-error';
import { validationFailed, type FieldError } from '../common/field-errors';
import { isUuid } from '../common/ids';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { IntegrationsService } from '../integrations/integrations.service';
import { RedisTokenStore } from '../outbound/redis-token-store';
import { GuardedHttpClient } from '../security/guarded-http.client';
import { UrlPolicy } from '../security/url-policy';
import type { CreateKfLinkDto, UpdateKfAccountDto } from './kf-accounts.dto';
import { kfSettingsFromRow, type KfSettingsRow } from './kf-account-settings';
import { KF_PLATFORM } from './kf-sync.source';

/** Limits of the platform (send_msg_on_event text / msgmenu, doc 95122 and 94677). */
export const KF_TEXT_MAX_BYTES = 2048;
export const KF_MENU_MAX_ITEMS = 10;
export const KF_MENU_ITEM_ID_PATTERN = /^[0-9a-zA-Z_-]{1,64}$/;
export const KF_MENU_ITEM_MAX_CHARS = 128;
export const KF_MENU_HEAD_TAIL_MAX_BYTES = 1024;
export const KF_SERVICER_USERID_MAX_CHARS = 64;
export const KF_SCENE_PARAM_MAX_BYTES = 128;

interface AccountRow extends KfSettingsRow {
  open_kfid: string;
  name: string;
  avatar: string | null;
  links: KfContactLink[] | null;
}

interface CursorRow {
  open_kfid: string;
  primed_at: Date | null;
  updated_at: Date;
}

const ACCOUNT_COLUMNS = 'open_kfid, name, avatar, served, pipeline, handoff, servicer_userid, welcome, end_message, links';

type PlatformProblem = KfAccountsResponse['platformError'] & object;

/** What went wrong calling WeCom, for the API (zh/en; the platform's own code kept). */
function platformProblem(err: unknown): PlatformProblem {
  const message = err instanceof Error ? err.message : String(err);
  const platformCode = err instanceof PlatformError ? err.platformCode : undefined;
  return {
    code: 'PLATFORM_ERROR',
    message: `WeCom kf API call failed: ${message}`,
    messageZh: `调用企业微信（微信客服）接口失败：${message}`,
    ...(platformCode ? { platformCode } : {}),
  };
}

function platformApiError(err: unknown): ApiError {
  const p = platformProblem(err);
  return new ApiError(502, 'PLATFORM_ERROR', p.message, p.messageZh, p.platformCode ? { platformCode: p.platformCode } : undefined);
}

const accountNotFound = (): ApiError => new ApiError(404, 'NOT_FOUND', 'kf account not found (not listed by kf/account/list)', '客服账号不存在（企业微信未返回该账号）');


const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The zh/en field errors of a welcome message. The text and the menu are only required when the
 * welcome is enabled with that type; limits apply whenever they are given.
 */
export function welcomeErrors(welcome: unknown): FieldError[] {
  const errors: FieldError[] = [];
  const add = (field: string, en: string, zh: string): void => void errors.push({ field: `welcome${field}`, message: { en, zh } });
  if (!isRecord(welcome)) {
    add('', 'welcome must be an object', '欢迎语格式不正确');
    return errors;
  }
  if (typeof welcome['enabled'] !== 'boolean') add('.enabled', 'enabled must be true or false', '是否启用需为布尔值');
  const type = welcome['type'];
  if (type !== 'text' && type !== 'menu') add('.type', "type must be 'text' or 'menu'", '欢迎语类型需为文本（text）或菜单（menu）');
  const enabled = welcome['enabled'] === true;
  const text = welcome['text'];
  if (text !== undefined && text !== null && typeof text !== 'string') add('.text', 'text must be a string', '欢迎语文本需为字符串');
  else if (typeof text === 'string' && utf8Length(text) > KF_TEXT_MAX_BYTES) {
    add('.text', `the welcome text must be at most ${KF_TEXT_MAX_BYTES} bytes (UTF-8)`, `欢迎语不能超过 ${KF_TEXT_MAX_BYTES} 字节（约 682 个汉字）`);
  } else if (enabled && type === 'text' && (typeof text !== 'string' || text.trim() === '')) {
    add('.text', 'enter the welcome text (or disable the welcome)', '请填写欢迎语内容（或关闭欢迎语）');
  }
  const menu = welcome['menu'];
  if (menu === undefined || menu === null) {
    if (enabled && type === 'menu') add('.menu.items', `a menu needs 1 to ${KF_MENU_MAX_ITEMS} options`, `菜单需包含 1 到 ${KF_MENU_MAX_ITEMS} 个选项`);
    return errors;
  }
  if (!isRecord(menu)) {
    add('.menu', 'menu must be an object', '菜单格式不正确');
    return errors;
  }
  for (const part of ['head', 'tail'] as const) {
    const v = menu[part];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') add(`.menu.${part}`, `${part} must be a string`, `菜单${part === 'head' ? '开头' : '结尾'}文字需为字符串`);
    else if (utf8Length(v) > KF_MENU_HEAD_TAIL_MAX_BYTES) {
      add(`.menu.${part}`, `${part} must be at most ${KF_MENU_HEAD_TAIL_MAX_BYTES} bytes`, `菜单${part === 'head' ? '开头' : '结尾'}文字不能超过 ${KF_MENU_HEAD_TAIL_MAX_BYTES} 字节`);
    }
  }
  const items = menu['items'];
  if (!Array.isArray(items)) {
    add('.menu.items', 'items must be a list', '菜单选项需为列表');
    return errors;
  }
  if (items.length > KF_MENU_MAX_ITEMS || (enabled && type === 'menu' && items.length === 0)) {
    add('.menu.items', `a menu needs 1 to ${KF_MENU_MAX_ITEMS} options`, `菜单需包含 1 到 ${KF_MENU_MAX_ITEMS} 个选项`);
  }
  const seen = new Set<string>();
  items.forEach((item: unknown, i) => {
    const at = `.menu.items[${i}]`;
    if (!isRecord(item)) {
      add(at, 'an option must be {id, content}', '菜单选项需包含 id 和 content');
      return;
    }
    const id = item['id'];
    if (typeof id !== 'string' || !KF_MENU_ITEM_ID_PATTERN.test(id)) {
      add(`${at}.id`, 'the option id must be 1-64 characters of 0-9 a-z A-Z _ -', '选项 ID 需为 1 到 64 位的字母、数字、_ 或 -');
    } else if (seen.has(id)) {
      add(`${at}.id`, 'option ids must be unique', '选项 ID 不能重复');
    } else seen.add(id);
    const content = item['content'];
    if (typeof content !== 'string' || content.trim() === '') add(`${at}.content`, 'enter the option text', '请填写选项文字');
    else if ([...content].length > KF_MENU_ITEM_MAX_CHARS) {
      add(`${at}.content`, `the option text must be at most ${KF_MENU_ITEM_MAX_CHARS} characters`, `选项文字不能超过 ${KF_MENU_ITEM_MAX_CHARS} 个字符`);
    }
  });
  return errors;
}

/** Keeps the known fields of a (validated) welcome. */
function cleanWelcome(w: KfWelcome): KfWelcome {
  const out: KfWelcome = { enabled: w.enabled, type: w.type };
  if (typeof w.text === 'string') out.text = w.text;
  if (w.menu) {
    out.menu = {
      ...(typeof w.menu.head === 'string' && w.menu.head !== '' ? { head: w.menu.head } : {}),
      items: w.menu.items.map((i) => ({ id: i.id, content: i.content })),
      ...(typeof w.menu.tail === 'string' && w.menu.tail !== '' ? { tail: w.menu.tail } : {}),
    };
  }
  return out;
}

/**
 * 微信客服 accounts of an integration as the console configures them: the platform's list
 * (kf/account/list) merged with what we store per account (kf_accounts: served, pipeline, handoff,
 * welcome/end message, contact links), the pull cursor's state, contact links (kf/add_contact_way)
 * and servicers (kf/servicer/list). All platform calls use the integration's decrypted config, the
 * SSRF-guarded client and the shared Redis token store.
 */
@Injectable()
export class KfAccountsService {
  private readonly http: GuardedHttpClient;

  constructor(
    private readonly ds: DataSource,
    private readonly integrations: IntegrationsService,
    private readonly tokens: RedisTokenStore,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.http = new GuardedHttpClient(new UrlPolicy(config.allowPrivateUrls));
  }

  private get ctx() {
    return { http: this.http, tokens: this.tokens };
  }

  /** The integration's kf config; 404 unless it is a wecom-kf integration. */
  private async kfConfig(integrationId: string): Promise<WecomKfConfig> {
    const integration = isUuid(integrationId) ? await this.integrations.runtime(integrationId) : null;
    if (!integration || integration.platform !== KF_PLATFORM) {
      throw new ApiError(404, 'NOT_FOUND', 'no 微信客服 (wecom-kf) integration with this id', '微信客服接入不存在');
    }
    return readWecomKfConfig(integration.config);
  }

  async list(integrationId: string): Promise<KfAccountsResponse> {
    const cfg = await this.kfConfig(integrationId);
    let live: KfAccount[] | null = null;
    let platformError: KfAccountsResponse['platformError'] = null;
    try {
      live = await listKfAccounts(this.ctx, cfg);
    } catch (err) {
      platformError = platformProblem(err);
    }
    if (live && live.length > 0) await this.remember(integrationId, live);
    const rows: AccountRow[] = await this.ds.query(`SELECT ${ACCOUNT_COLUMNS} FROM kf_accounts WHERE integration_id = $1 ORDER BY name, open_kfid`, [integrationId]);
    const cursors = await this.cursors(integrationId);
    const byId = new Map(rows.map((r) => [r.open_kfid, r]));
    const accounts: KfAccountView[] = [];
    const liveIds = new Set<string>();
    for (const a of live ?? []) {
      liveIds.add(a.openKfId);
      accounts.push(this.view(a.openKfId, byId.get(a.openKfId), a, true, cursors.get(a.openKfId)));
    }
    for (const r of rows) if (!liveIds.has(r.open_kfid)) accounts.push(this.view(r.open_kfid, r, undefined, false, cursors.get(r.open_kfid)));
    return { accounts, platformError };
  }

  async update(integrationId: string, openKfId: string, dto: UpdateKfAccountDto): Promise<KfAccountView> {
    const cfg = await this.kfConfig(integrationId);
    const errors: FieldError[] = [];
    if (dto.welcome !== undefined) errors.push(...welcomeErrors(dto.welcome));
    if (typeof dto.endMessage === 'string' && utf8Length(dto.endMessage) > KF_TEXT_MAX_BYTES) {
      errors.push({ field: 'endMessage', message: { en: `the end message must be at most ${KF_TEXT_MAX_BYTES} bytes (UTF-8)`, zh: `结束语不能超过 ${KF_TEXT_MAX_BYTES} 字节（约 682 个汉字）` } });
    }
    if (typeof dto.servicerUserId === 'string' && [...dto.servicerUserId].length > KF_SERVICER_USERID_MAX_CHARS) {
      errors.push({ field: 'servicerUserId', message: { en: `a servicer userid is at most ${KF_SERVICER_USERID_MAX_CHARS} characters`, zh: `接待人员账号不能超过 ${KF_SERVICER_USERID_MAX_CHARS} 个字符` } });
    }
    if (errors.length > 0) throw validationFailed(errors);
    const { live, onPlatform } = await this.requireAccount(cfg, integrationId, openKfId);
    const saved = await this.ds.transaction(async (m) => {
      const row = await this.lockRow(m, integrationId, openKfId, live);
      const current = kfSettingsFromRow(row);
      const next: KfAccountSettings = {
        served: dto.served ?? current.served,
        pipeline: dto.pipeline ?? current.pipeline,
        handoff: dto.handoff ?? current.handoff,
        servicerUserId: dto.servicerUserId !== undefined ? dto.servicerUserId : current.servicerUserId,
        welcome: dto.welcome ?? current.welcome,
        endMessage: dto.endMessage !== undefined ? dto.endMessage : current.endMessage,
      };
      const [updated]: AccountRow[] = await m.query(
        // A CTE, so the driver answers the rows as for a SELECT.
        `WITH u AS (UPDATE kf_accounts SET served = $3, pipeline = $4, handoff = $5, servicer_userid = $6, welcome = $7::jsonb, end_message = $8, updated_at = now()
           WHERE integration_id = $1 AND open_kfid = $2 RETURNING ${ACCOUNT_COLUMNS}) SELECT * FROM u`,
        [
          integrationId,
          openKfId,
          next.served,
          next.pipeline,
          next.handoff,
          next.servicerUserId === '' ? null : next.servicerUserId,
          JSON.stringify(cleanWelcome(next.welcome)),
          next.endMessage === '' ? null : next.endMessage,
        ],
      );
      return updated!;
    });
    return this.view(openKfId, saved, live, onPlatform, (await this.cursors(integrationId)).get(openKfId));
  }

  /**
   * A contact link for a scene (kf/add_contact_way). The same scene again answers the stored link
   * (`created` false) without asking the platform; sceneParam is appended URL-encoded.
   */
  async addLink(integrationId: string, openKfId: string, dto: CreateKfLinkDto): Promise<{ link: KfContactLink; created: boolean }> {
    const errors: FieldError[] = [];
    if (typeof dto.scene !== 'string' || !KF_SCENE_PATTERN.test(dto.scene)) {
      errors.push({ field: 'scene', message: { en: 'the scene must be 1-32 characters of 0-9 a-z A-Z _ -', zh: '场景值需为 1 到 32 位的字母、数字、_ 或 -' } });
    }
    const sceneParam = typeof dto.sceneParam === 'string' && dto.sceneParam !== '' ? dto.sceneParam : null;
    if (sceneParam !== null && utf8Length(sceneParam) > KF_SCENE_PARAM_MAX_BYTES) {
      errors.push({ field: 'sceneParam', message: { en: `the scene parameter must be at most ${KF_SCENE_PARAM_MAX_BYTES} bytes (UTF-8)`, zh: `场景参数不能超过 ${KF_SCENE_PARAM_MAX_BYTES} 字节` } });
    }
    if (errors.length > 0) throw validationFailed(errors);
    const cfg = await this.kfConfig(integrationId);
    const stored = await this.row(this.ds.manager, integrationId, openKfId);
    const existing = stored?.links?.find((l) => l.scene === dto.scene);
    if (existing) return { link: existing, created: false };
    const { live } = stored ? { live: undefined } : await this.requireAccount(cfg, integrationId, openKfId);
    let url: string;
    try {
      url = await addContactWay(this.ctx, cfg, openKfId, dto.scene);
    } catch (err) {
      throw platformApiError(err);
    }
    if (sceneParam !== null) url = `${url}${url.includes('?') ? '&' : '?'}scene_param=${encodeURIComponent(sceneParam)}`;
    const link: KfContactLink = { scene: dto.scene, sceneParam, url, createdAt: new Date().toISOString() };
    return this.ds.transaction(async (m) => {
      const row = await this.lockRow(m, integrationId, openKfId, live);
      // Another request made this scene's link meanwhile: that one is the stored one.
      const raced = row.links?.find((l) => l.scene === dto.scene);
      if (raced) return { link: raced, created: false };
      await m.query(`UPDATE kf_accounts SET links = COALESCE(links, '[]'::jsonb) || $3::jsonb, updated_at = now() WHERE integration_id = $1 AND open_kfid = $2`, [
        integrationId,
        openKfId,
        JSON.stringify([link]),
      ]);
      return { link, created: true };
    });
  }

  /** Forgets a scene's link here (the platform has no API to revoke a contact way URL). */
  async removeLink(integrationId: string, openKfId: string, scene: string): Promise<void> {
    await this.kfConfig(integrationId);
    await this.ds.query(
      `UPDATE kf_accounts SET links = (SELECT COALESCE(jsonb_agg(l ORDER BY n), '[]'::jsonb) FROM jsonb_array_elements(links) WITH ORDINALITY AS e(l, n) WHERE l->>'scene' IS DISTINCT FROM $3),
         updated_at = now()
       WHERE integration_id = $1 AND open_kfid = $2 AND links @> jsonb_build_array(jsonb_build_object('scene', $3::text))`,
      [integrationId, openKfId, scene],
    );
  }

  async servicers(integrationId: string, openKfId: string): Promise<KfServicerView[]> {
    const cfg = await this.kfConfig(integrationId);
    try {
      const list = await listKfServicers(this.ctx, cfg, openKfId);
      // Departments (department_id, no userid) can be servicers too; only people can take a chat.
      return list.filter((s): s is typeof s & { userId: string } => typeof s.userId === 'string').map((s) => ({ userId: s.userId, status: s.status ?? 0 }));
    } catch (err) {
      throw platformApiError(err);
    }
  }

  /**
   * The account as the platform lists it. An account we have settings for is accepted even when the
   * platform cannot be asked or no longer lists it (its settings stay editable); an unknown one must be listed.
   */
  private async requireAccount(cfg: WecomKfConfig, integrationId: string, openKfId: string): Promise<{ live: KfAccount | undefined; onPlatform: boolean }> {
    const known = (await this.row(this.ds.manager, integrationId, openKfId)) !== undefined;
    let all: KfAccount[];
    try {
      all = await listKfAccounts(this.ctx, cfg);
    } catch (err) {
      if (known) return { live: undefined, onPlatform: false };
      throw platformApiError(err);
    }
    const live = all.find((a) => a.openKfId === openKfId);
    if (!live && !known) throw accountNotFound();
    return { live, onPlatform: live !== undefined };
  }

  /** The account's row, created with defaults when missing, locked for this transaction. */
  private async lockRow(m: EntityManager, integrationId: string, openKfId: string, live: KfAccount | undefined): Promise<AccountRow> {
    await m.query(
      `INSERT INTO kf_accounts (integration_id, open_kfid, name, avatar) VALUES ($1, $2, $3, $4)
       ON CONFLICT (integration_id, open_kfid) DO UPDATE SET name = EXCLUDED.name, avatar = EXCLUDED.avatar WHERE $5::boolean`,
      [integrationId, openKfId, (live?.name ?? '').slice(0, 64), live?.avatar ?? null, live !== undefined],
    );
    const [row]: AccountRow[] = await m.query(`SELECT ${ACCOUNT_COLUMNS} FROM kf_accounts WHERE integration_id = $1 AND open_kfid = $2 FOR UPDATE`, [
      integrationId,
      openKfId,
    ]);
    return row!;
  }

  private async row(m: EntityManager, integrationId: string, openKfId: string): Promise<AccountRow | undefined> {
    const [row]: AccountRow[] = await m.query(`SELECT ${ACCOUNT_COLUMNS} FROM kf_accounts WHERE integration_id = $1 AND open_kfid = $2`, [integrationId, openKfId]);
    return row;
  }

  /** Every listed account gets a row (so that it is still shown when the platform cannot be asked); names and avatars follow the platform. */
  private async remember(integrationId: string, live: KfAccount[]): Promise<void> {
    await this.ds.query(
      `INSERT INTO kf_accounts (integration_id, open_kfid, name, avatar)
       SELECT $1, t.open_kfid, t.name, t.avatar FROM unnest($2::text[], $3::text[], $4::text[]) AS t(open_kfid, name, avatar)
       ON CONFLICT (integration_id, open_kfid) DO UPDATE SET name = EXCLUDED.name, avatar = EXCLUDED.avatar, updated_at = now()
       WHERE (kf_accounts.name, kf_accounts.avatar) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.avatar)`,
      [integrationId, live.map((a) => a.openKfId), live.map((a) => a.name.slice(0, 64)), live.map((a) => a.avatar ?? null)],
    );
  }

  private async cursors(integrationId: string): Promise<Map<string, CursorRow>> {
    const rows: CursorRow[] = await this.ds.query('SELECT open_kfid, primed_at, updated_at FROM kf_cursors WHERE integration_id = $1', [integrationId]);
    return new Map(rows.map((r) => [r.open_kfid, r]));
  }

  private view(openKfId: string, row: AccountRow | undefined, live: KfAccount | undefined, onPlatform: boolean, cursor: CursorRow | undefined): KfAccountView {
    return {
      openKfId,
      name: live?.name ?? row?.name ?? '',
      avatar: live?.avatar ?? row?.avatar ?? null,
      onPlatform,
      ...kfSettingsFromRow(row),
      links: row?.links ?? [],
      primedAt: cursor?.primed_at ? new Date(cursor.primed_at).toISOString() : null,
      lastPulledAt: cursor ? new Date(cursor.updated_at).toISOString() : null,
    };
  }
}
