import { type ConfigCache, ConfigChanges } from '../common/config-changes.service';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { IntegrationEntity, KeywordRuleEntity, type KeywordMatchType, type KeywordReply } from '@imbridge/persistence';
import { type AuditActor, AuditService } from '../audit/audit.service';
import { ApiError, notFound } from '../common/api-error';
import { checkIntegrationExists, type FieldError, validationFailed } from '../common/field-errors';
import { isUuid } from '../common/ids';
import type { CreateKeywordRuleDto, KeywordRuleView, KeywordTestResult, UpdateKeywordRuleDto } from './keyword-rule.dto';
import { matchingKeyword, regexProblem } from './keyword-matcher';

const MAX_TEXT = 20000;
const MAX_URL = 2048;

export function keywordRuleView(r: KeywordRuleEntity): KeywordRuleView {
  return {
    id: r.id,
    integrationId: r.integrationId,
    name: r.name,
    keywords: r.keywords,
    matchType: r.matchType,
    priority: r.priority,
    enabled: r.enabled,
    reply: r.reply,
    createdAt: new Date(r.createdAt).toISOString(),
    updatedAt: new Date(r.updatedAt).toISOString(),
  };
}

const isHttpUrl = (v: unknown): v is string => typeof v === 'string' && v.length <= MAX_URL && /^https?:\/\/[^\s]+$/i.test(v);

/** Checks a reply and returns it with only the known fields, or the field errors. */
function parseReply(raw: Record<string, unknown>, errors: FieldError[]): KeywordReply | null {
  const err = (field: string, en: string, zh: string): null => {
    errors.push({ field: `reply${field}`, message: { en, zh } });
    return null;
  };
  const allowOnly = (obj: Record<string, unknown>, keys: string[], at: string): boolean => {
    const extra = Object.keys(obj).filter((k) => !keys.includes(k));
    if (extra.length) err(at, `unknown field(s): ${extra.join(', ')}`, `不支持的字段：${extra.join(', ')}`);
    return extra.length === 0;
  };
  switch (raw['type']) {
    case 'text': {
      if (!allowOnly(raw, ['type', 'text'], '')) return null;
      const text = raw['text'];
      if (typeof text !== 'string' || text.trim() === '' || text.length > MAX_TEXT) return err('.text', `text must be 1..${MAX_TEXT} characters`, `回复文本需为 1 到 ${MAX_TEXT} 个字符`);
      return { type: 'text', text };
    }
    case 'image': {
      if (!allowOnly(raw, ['type', 'url'], '')) return null;
      if (!isHttpUrl(raw['url'])) return err('.url', 'url must be an http(s) URL', '图片地址需为 http(s) 链接');
      return { type: 'image', url: raw['url'] };
    }
    case 'news': {
      if (!allowOnly(raw, ['type', 'articles'], '')) return null;
      const articles = raw['articles'];
      if (!Array.isArray(articles) || articles.length < 1 || articles.length > 8) return err('.articles', 'articles must hold 1..8 articles', '图文消息需包含 1 到 8 篇文章');
      const out: Extract<KeywordReply, { type: 'news' }>['articles'] = [];
      articles.forEach((a: unknown, i) => {
        const at = `.articles[${i}]`;
        if (typeof a !== 'object' || a === null || Array.isArray(a)) return void err(at, 'article must be an object', '文章格式不正确');
        const art = a as Record<string, unknown>;
        if (!allowOnly(art, ['title', 'description', 'url', 'picUrl'], at)) return;
        const { title, description, url, picUrl } = art;
        if (typeof title !== 'string' || title.trim() === '' || title.length > 128) return void err(`${at}.title`, 'title must be 1..128 characters', '标题需为 1 到 128 个字符');
        if (description !== undefined && (typeof description !== 'string' || description.length > 512)) return void err(`${at}.description`, 'description must be at most 512 characters', '描述不能超过 512 个字符');
        if (url !== undefined && !isHttpUrl(url)) return void err(`${at}.url`, 'url must be an http(s) URL', '链接需为 http(s) 地址');
        if (picUrl !== undefined && !isHttpUrl(picUrl)) return void err(`${at}.picUrl`, 'picUrl must be an http(s) URL', '图片链接需为 http(s) 地址');
        out.push({ title, ...(description !== undefined ? { description: description as string } : {}), ...(url !== undefined ? { url } : {}), ...(picUrl !== undefined ? { picUrl } : {}) });
      });
      return out.length === articles.length ? { type: 'news', articles: out } : null;
    }
    default:
      return err('.type', "type must be 'text', 'image' or 'news'", "回复类型需为 text、image 或 news");
  }
}

function checkKeywords(keywords: string[], matchType: KeywordMatchType, errors: FieldError[]): void {
  if (matchType !== 'regex') return;
  keywords.forEach((k, i) => {
    const problem = regexProblem(k);
    if (problem) errors.push({ field: `keywords[${i}]`, message: problem });
  });
}

/**
 * Keyword auto-reply rules: CRUD (audited) and the choice of the rule that answers a message. Rules of
 * the message's integration and global rules compete: highest priority first, then the
 * integration's own before global ones, then the older rule.
 */
const RULES_CACHE = 'keyword-rules';

@Injectable()
export class KeywordRulesService {
  constructor(
    @InjectRepository(KeywordRuleEntity) private readonly rules: Repository<KeywordRuleEntity>,
    @InjectRepository(IntegrationEntity) private readonly integrations: Repository<IntegrationEntity>,
    private readonly audit: AuditService,
    changes: ConfigChanges,
  ) {
    this.changes = changes;
    this.cache = changes.cache<KeywordRuleEntity[]>(RULES_CACHE);
  }

  private readonly changes: ConfigChanges;
  /** The candidate rules of an integration ('' for global rules only), in match order. */
  private readonly cache: ConfigCache<KeywordRuleEntity[]>;

  /** Every process drops its cached rules (global rules belong to every integration's candidates). */
  private changed(): Promise<void> {
    return this.changes.changed(RULES_CACHE, null);
  }

  /** `integrationId`: that integration's rules only; 'null': the global ones; absent: all. */
  async list(integrationId?: string): Promise<KeywordRuleView[]> {
    if (integrationId !== undefined && integrationId !== 'null' && !isUuid(integrationId)) {
      throw new ApiError(400, 'BAD_QUERY', 'integrationId must be a UUID', 'integrationId 格式不正确');
    }
    const qb = this.rules.createQueryBuilder('r');
    if (integrationId === 'null') qb.where('r.integration_id IS NULL');
    else if (integrationId !== undefined) qb.where('r.integration_id = :integrationId', { integrationId });
    const rows = await qb.orderBy('r.priority', 'DESC').addOrderBy('r.created_at', 'ASC').addOrderBy('r.id', 'ASC').getMany();
    return rows.map(keywordRuleView);
  }

  async get(id: string): Promise<KeywordRuleView> {
    return keywordRuleView(await this.find(id));
  }

  async create(dto: CreateKeywordRuleDto, actor: AuditActor): Promise<KeywordRuleView> {
    const errors: FieldError[] = [];
    await checkIntegrationExists(this.integrations, dto.integrationId, errors);
    checkKeywords(dto.keywords, dto.matchType, errors);
    const reply = parseReply(dto.reply, errors);
    if (errors.length || !reply) throw validationFailed(errors, '请求参数有误');
    const row = await this.rules.save(
      this.rules.create({
        integrationId: dto.integrationId,
        name: dto.name?.trim() ?? '',
        keywords: dto.keywords,
        matchType: dto.matchType,
        priority: dto.priority ?? 0,
        enabled: dto.enabled ?? true,
        reply,
      }),
    );
    await this.changed();
    await this.audit.record(actor, 'keyword_rule.create', { type: 'keyword_rule', id: row.id }, this.summary(row));
    return keywordRuleView(row);
  }

  async update(id: string, dto: UpdateKeywordRuleDto, actor: AuditActor): Promise<KeywordRuleView> {
    const row = await this.find(id);
    const errors: FieldError[] = [];
    if (dto.integrationId !== undefined) await checkIntegrationExists(this.integrations, dto.integrationId, errors);
    const keywords = dto.keywords ?? row.keywords;
    const matchType = dto.matchType ?? row.matchType;
    // Re-checked when either changes: switching a rule to regex must validate its existing keywords.
    checkKeywords(keywords, matchType, errors);
    const reply = dto.reply !== undefined ? parseReply(dto.reply, errors) : row.reply;
    if (errors.length || !reply) throw validationFailed(errors, '请求参数有误');
    const changes: Partial<KeywordRuleEntity> = {
      ...(dto.integrationId !== undefined ? { integrationId: dto.integrationId } : {}),
      ...(dto.name !== undefined ? { name: dto.name.trim() } : {}),
      ...(dto.priority !== undefined ? { priority: dto.priority } : {}),
      ...(dto.enabled !== undefined ? { enabled: dto.enabled } : {}),
      ...(dto.keywords !== undefined ? { keywords } : {}),
      ...(dto.matchType !== undefined ? { matchType } : {}),
      ...(dto.reply !== undefined ? { reply } : {}),
    };
    const saved = await this.rules.save(this.rules.merge(row, changes));
    await this.changed();
    await this.audit.record(actor, 'keyword_rule.update', { type: 'keyword_rule', id }, { fields: Object.keys(changes), ...this.summary(saved) });
    return keywordRuleView(saved);
  }

  async remove(id: string, actor: AuditActor): Promise<void> {
    const row = await this.find(id);
    await this.rules.delete({ id });
    await this.changed();
    await this.audit.record(actor, 'keyword_rule.delete', { type: 'keyword_rule', id }, this.summary(row));
  }

  /** Which rule would answer `text` arriving through `integrationId` (null: global rules only). */
  async match(integrationId: string | null, text: string): Promise<{ rule: KeywordRuleEntity | null; keyword: string | null; candidates: number }> {
    const candidates = await this.cache.get(integrationId ?? '', () => {
      const qb = this.rules.createQueryBuilder('r').where('r.enabled = true');
      if (integrationId) qb.andWhere('(r.integration_id = :integrationId OR r.integration_id IS NULL)', { integrationId });
      else qb.andWhere('r.integration_id IS NULL');
      return qb
        .orderBy('r.priority', 'DESC')
        .addOrderBy('(r.integration_id IS NULL)', 'ASC')
        .addOrderBy('r.created_at', 'ASC')
        .addOrderBy('r.id', 'ASC')
        .getMany();
    });
    for (const rule of candidates) {
      const keyword = matchingKeyword(rule, text);
      if (keyword !== null) return { rule, keyword, candidates: candidates.length };
    }
    return { rule: null, keyword: null, candidates: candidates.length };
  }

  async test(integrationId: string | null, text: string): Promise<KeywordTestResult> {
    const { rule, keyword, candidates } = await this.match(integrationId, text);
    return { matched: rule ? keywordRuleView(rule) : null, keyword, candidates };
  }

  private async find(id: string): Promise<KeywordRuleEntity> {
    const row = isUuid(id) ? await this.rules.findOne({ where: { id } }) : null;
    if (!row) throw notFound('keyword rule', '关键词规则');
    return row;
  }

  private summary(r: KeywordRuleEntity): Record<string, unknown> {
    return { name: r.name, integrationId: r.integrationId, matchType: r.matchType, keywords: r.keywords.length, priority: r.priority, enabled: r.enabled, replyType: r.reply.type };
  }
}
