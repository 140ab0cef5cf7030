import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import type { DataSource, EntityManager, Repository } from 'typeorm';
import { FaqEntryEntity, IntegrationEntity } from '@imbridge/persistence';
import { buildFaqMatcher, DEFAULT_THRESHOLD, type FaqMatcher } from '@imbridge/faq-matcher';
import type { FaqEntryView } from '@imbridge/contracts';
import { type AuditActor, AuditService } from '../audit/audit.service';
import { ApiError, notFound } from '../common/api-error';
import { checkIntegrationExists, type FieldError, validationFailed } from '../common/field-errors';
import { isUuid } from '../common/ids';
import { RedisService } from '../common/redis.service';
import type { CreateFaqDto, FaqImportReport, FaqListResult, FaqTestResult, ImportFaqQuery, UpdateFaqDto } from './faq.dto';
import { type FaqFileRecord, type FaqFileRow, parseEnabled, readFaqFile, splitSimilar, writeCsv, writeXlsx, TEMPLATE_RECORDS } from './faq-file';

export interface FaqMatch {
  /** The best entry at or above the threshold, or null. */
  entry: { id: string; question: string; answer: string } | null;
  score: number;
  /** Entries below the threshold but close ("did you mean"), best first. */
  suggestions: { id: string; question: string; score: number }[];
}

export const FAQ_LIMITS = { question: 500, answer: 4000, similar: 50, similarLength: 500, category: 64 } as const;
const MAX_SUGGESTIONS = 3;
/** Without Redis the version can't be read; a cached index is then trusted only this long. */
const STALE_WITHOUT_REDIS_MS = 30_000;

export function faqEntryView(r: FaqEntryEntity): FaqEntryView {
  return {
    id: r.id,
    integrationId: r.integrationId,
    category: r.category,
    question: r.question,
    similarQuestions: r.similarQuestions,
    answer: r.answer,
    enabled: r.enabled,
    createdAt: new Date(r.createdAt).toISOString(),
    updatedAt: new Date(r.updatedAt).toISOString(),
  };
}

/** Key under which duplicates of a standard question are detected within one scope. */
const questionKey = (q: string): string => q.trim().toLowerCase();

/** Trims and checks one entry's fields; the same rules serve the API and each imported row. */
export function checkFaqFields(input: { category?: string; question: string; similarQuestions?: string[]; answer: string }, errors: FieldError[]): FaqFileRecord | null {
  const L = FAQ_LIMITS;
  const question = input.question.trim();
  const answer = input.answer.trim();
  const category = (input.category ?? '').trim();
  const seen = new Set<string>([questionKey(question)]);
  const similarQuestions: string[] = [];
  for (const s of input.similarQuestions ?? []) {
    const t = s.trim();
    if (t && !seen.has(questionKey(t))) {
      seen.add(questionKey(t));
      similarQuestions.push(t);
    }
  }
  const before = errors.length;
  if (question.length < 1 || question.length > L.question) errors.push({ field: 'question', message: { en: `question must be 1..${L.question} characters`, zh: `标准问题需为 1 到 ${L.question} 个字符` } });
  if (answer.length < 1 || answer.length > L.answer) errors.push({ field: 'answer', message: { en: `answer must be 1..${L.answer} characters`, zh: `答案需为 1 到 ${L.answer} 个字符` } });
  if (category.length > L.category) errors.push({ field: 'category', message: { en: `category must be at most ${L.category} characters`, zh: `分类不能超过 ${L.category} 个字符` } });
  if (similarQuestions.length > L.similar) errors.push({ field: 'similarQuestions', message: { en: `at most ${L.similar} similar questions`, zh: `相似问题最多 ${L.similar} 个` } });
  const long = similarQuestions.findIndex((s) => s.length > L.similarLength);
  if (long >= 0) errors.push({ field: `similarQuestions[${long}]`, message: { en: `each similar question must be at most ${L.similarLength} characters`, zh: `每个相似问题不能超过 ${L.similarLength} 个字符` } });
  return errors.length > before ? null : { category, question, similarQuestions, answer, enabled: true };
}

const duplicateQuestion = (question: string): ApiError =>
  new ApiError(409, 'FAQ_DUPLICATE', `An entry with the question "${question}" already exists in this scope`, `该范围内已存在标准问题"${question}"`);

interface CachedIndex {
  version: string | null;
  /** This process's write generation when the build started: a local write makes the index stale even without Redis. */
  generation: number;
  builtAt: number;
  matcher: FaqMatcher<FaqEntryEntity>;
}

/**
 * FAQ knowledge base: storage (audited), spreadsheet import/export, and matching for the bot
 * pipeline. Each process keeps a matcher per integration, built on first use; every write bumps a
 * Redis version counter so every other process (API or worker) rebuilds on its next match.
 */
@Injectable()
export class FaqService {
  private readonly logger = new Logger('Faq');
  private readonly indexes = new Map<string, CachedIndex>();
  /** One build at a time per scope: concurrent matches during a rebuild share it. */
  private readonly building = new Map<string, Promise<CachedIndex>>();
  private generation = 0;

  constructor(
    @InjectRepository(FaqEntryEntity) private readonly entries: Repository<FaqEntryEntity>,
    @InjectRepository(IntegrationEntity) private readonly integrations: Repository<IntegrationEntity>,
    @InjectDataSource() private readonly ds: DataSource,
    private readonly audit: AuditService,
    private readonly redis: RedisService,
  ) {}

  // ---------- matching ----------

  async match(integrationId: string, text: string, threshold: number): Promise<FaqMatch> {
    const r = await this.matchDetailed(integrationId, text, threshold);
    return {
      entry: r.entry ? { id: r.entry.id, question: r.entry.question, answer: r.entry.answer } : null,
      score: r.score,
      suggestions: r.suggestions,
    };
  }

  /** The test box: same as the pipeline's match, with the full entry and the matched phrasing. */
  async test(integrationId: string | null, text: string, threshold?: number): Promise<FaqTestResult> {
    const t = threshold ?? DEFAULT_THRESHOLD;
    const r = await this.matchDetailed(integrationId ?? '', text, t);
    return { entry: r.entry ? faqEntryView(r.entry) : null, score: r.score, matchedQuestion: r.matchedQuestion, suggestions: r.suggestions, threshold: t };
  }

  private async matchDetailed(integrationId: string, text: string, threshold: number) {
    const scope = isUuid(integrationId) ? integrationId.toLowerCase() : '';
    const { matcher } = await this.index(scope);
    // Ask for more than we show: candidates at or above the threshold (other than the best) are not suggestions.
    const res = matcher.match(text, { threshold, suggestions: MAX_SUGGESTIONS * 3 });
    const suggestions = res.suggestions
      .filter((s) => s.score < threshold)
      .slice(0, MAX_SUGGESTIONS)
      .map((s) => ({ id: s.entry.id, question: s.entry.question, score: round(s.score) }));
    const top = res.best?.score ?? res.suggestions[0]?.score ?? 0;
    return { entry: res.best?.entry ?? null, matchedQuestion: res.best?.matchedQuestion ?? null, score: round(top), suggestions };
  }

  private async index(scope: string): Promise<CachedIndex> {
    const version = await this.readVersion();
    const cached = this.indexes.get(scope);
    const fresh = (i: CachedIndex) =>
      i.generation === this.generation && (version !== null ? i.version === version : Date.now() - i.builtAt < STALE_WITHOUT_REDIS_MS);
    if (cached && fresh(cached)) return cached;
    const pending = this.building.get(scope);
    if (pending) return pending;
    const build = this.build(scope, version).finally(() => {
      if (this.building.get(scope) === build) this.building.delete(scope);
    });
    this.building.set(scope, build);
    return build;
  }

  /** `version` was read before loading, so a write during the load leaves a stale tag and forces the next rebuild. */
  private async build(scope: string, version: string | null): Promise<CachedIndex> {
    // Taken before loading: without Redis, the age of an index must count from what it may have missed.
    const builtAt = Date.now();
    const generation = this.generation;
    const qb = this.entries.createQueryBuilder('f').where('f.enabled = true');
    if (scope) qb.andWhere('(f.integration_id = :scope OR f.integration_id IS NULL)', { scope });
    else qb.andWhere('f.integration_id IS NULL');
    const rows = await qb.orderBy('f.created_at', 'ASC').addOrderBy('f.id', 'ASC').getMany();
    const index: CachedIndex = { version, generation, builtAt, matcher: buildFaqMatcher(rows) };
    if (generation === this.generation) this.indexes.set(scope, index);
    return index;
  }

  private versionKey(): string {
    return this.redis.key('faq', 'version');
  }

  private async readVersion(): Promise<string | null> {
    try {
      return (await this.redis.client.get(this.versionKey())) ?? '0';
    } catch {
      return null;
    }
  }

  /** After every committed write: this process drops its indexes at once, the others see the new version. */
  private async changed(): Promise<void> {
    this.generation++;
    this.indexes.clear();
    // A build started before the write must not serve the next match.
    this.building.clear();
    try {
      await this.redis.client.incr(this.versionKey());
    } catch (err) {
      this.logger.warn(`FAQ version bump failed; other processes refresh within ${STALE_WITHOUT_REDIS_MS / 1000}s: ${(err as Error).message}`);
    }
  }

  // ---------- CRUD ----------

  async list(query: { q?: string; category?: string; integrationId?: string; limit?: number; offset?: number }): Promise<FaqListResult> {
    const qb = this.entries.createQueryBuilder('f');
    this.applyScopeFilter(qb, query.integrationId);
    const q = query.q?.trim();
    if (q) {
      const like = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      qb.andWhere("(f.question ILIKE :like OR f.answer ILIKE :like OR f.similar_questions::text ILIKE :like)", { like });
    }
    if (query.category !== undefined && query.category !== '') qb.andWhere('f.category = :category', { category: query.category });
    const [rows, total] = await qb
      .orderBy('f.created_at', 'DESC')
      .addOrderBy('f.id', 'ASC')
      .take(query.limit ?? 20)
      .skip(query.offset ?? 0)
      .getManyAndCount();
    return { items: rows.map(faqEntryView), total };
  }

  async categories(): Promise<string[]> {
    const rows = (await this.ds.query(`SELECT DISTINCT category FROM faq_entries WHERE category <> '' ORDER BY category`)) as { category: string }[];
    return rows.map((r) => r.category);
  }

  async get(id: string): Promise<FaqEntryView> {
    return faqEntryView(await this.find(id));
  }

  async create(dto: CreateFaqDto, actor: AuditActor): Promise<FaqEntryView> {
    const errors: FieldError[] = [];
    const integrationId = dto.integrationId ?? null;
    await checkIntegrationExists(this.integrations, integrationId, errors);
    const fields = checkFaqFields(dto, errors);
    if (errors.length || !fields) throw validationFailed(errors);
    const row = await this.ds.transaction(async (m) => {
      await lockFaq(m);
      if (await this.questionTaken(m, integrationId, fields.question, null)) throw duplicateQuestion(fields.question);
      const repo = m.getRepository(FaqEntryEntity);
      const saved = await repo.save(repo.create({ integrationId, category: fields.category, question: fields.question, similarQuestions: fields.similarQuestions, answer: fields.answer, enabled: dto.enabled ?? true }));
      await this.audit.record(actor, 'faq.create', { type: 'faq_entry', id: saved.id }, summary(saved), m);
      return saved;
    });
    await this.changed();
    return faqEntryView(row);
  }

  async update(id: string, dto: UpdateFaqDto, actor: AuditActor): Promise<FaqEntryView> {
    const current = await this.find(id);
    const errors: FieldError[] = [];
    const integrationId = dto.integrationId !== undefined ? dto.integrationId : current.integrationId;
    if (dto.integrationId !== undefined) await checkIntegrationExists(this.integrations, integrationId, errors);
    const fields = checkFaqFields(
      {
        category: dto.category ?? current.category,
        question: dto.question ?? current.question,
        similarQuestions: dto.similarQuestions ?? current.similarQuestions,
        answer: dto.answer ?? current.answer,
      },
      errors,
    );
    if (errors.length || !fields) throw validationFailed(errors);
    const saved = await this.ds.transaction(async (m) => {
      await lockFaq(m);
      if (await this.questionTaken(m, integrationId, fields.question, id)) throw duplicateQuestion(fields.question);
      const repo = m.getRepository(FaqEntryEntity);
      const row = await repo.findOne({ where: { id } });
      if (!row) throw notFound('FAQ entry', 'FAQ 条目');
      const out = await repo.save(repo.merge(row, { integrationId, ...fields, enabled: dto.enabled ?? row.enabled }));
      await this.audit.record(actor, 'faq.update', { type: 'faq_entry', id }, { fields: Object.keys(dto), ...summary(out) }, m);
      return out;
    });
    await this.changed();
    return faqEntryView(saved);
  }

  async remove(id: string, actor: AuditActor): Promise<void> {
    const row = await this.find(id);
    await this.ds.transaction(async (m) => {
      await m.getRepository(FaqEntryEntity).delete({ id });
      await this.audit.record(actor, 'faq.delete', { type: 'faq_entry', id }, summary(row), m);
    });
    await this.changed();
  }

  // ---------- import / export ----------

  async import(body: unknown, contentType: string | undefined, opts: ImportFaqQuery, actor: AuditActor): Promise<FaqImportReport> {
    const scope = await this.importScope(opts.integrationId);
    const mode = opts.mode ?? 'append';
    const { format, rows } = await readFaqFile(body, contentType);
    const { records, errors } = checkRows(rows);
    const report: FaqImportReport = { created: 0, updated: 0, deleted: 0, skipped: errors.length ? new Set(errors.map((e) => e.row)).size : 0, errors, applied: false };
    if (errors.length && !opts.skipInvalid && !opts.dryRun) {
      return report;
    }
    const outcome = await this.ds.transaction(async (m) => {
      await lockFaq(m);
      const repo = m.getRepository(FaqEntryEntity);
      const scopeWhere = scope === null ? 'integration_id IS NULL' : 'integration_id = $1';
      const scopeParams = scope === null ? [] : [scope];
      const counts = { created: 0, updated: 0, deleted: 0 };
      const existing = new Map<string, string>();
      if (mode === 'replace') {
        const [{ n }] = (await m.query(`SELECT count(*)::int AS n FROM faq_entries WHERE ${scopeWhere}`, scopeParams)) as [{ n: number }];
        counts.deleted = n;
        if (!opts.dryRun) await m.query(`DELETE FROM faq_entries WHERE ${scopeWhere}`, scopeParams);
      } else {
        const rowsInScope = (await m.query(`SELECT id, question FROM faq_entries WHERE ${scopeWhere}`, scopeParams)) as { id: string; question: string }[];
        for (const r of rowsInScope) existing.set(questionKey(r.question), r.id);
      }
      const toInsert: Partial<FaqEntryEntity>[] = [];
      for (const rec of records) {
        const id = existing.get(questionKey(rec.question));
        if (id) {
          counts.updated++;
          if (!opts.dryRun) await repo.update({ id }, { category: rec.category, question: rec.question, similarQuestions: rec.similarQuestions, answer: rec.answer, enabled: rec.enabled });
        } else {
          counts.created++;
          toInsert.push({ integrationId: scope, ...rec });
        }
      }
      if (!opts.dryRun) {
        for (let i = 0; i < toInsert.length; i += 500) await repo.insert(toInsert.slice(i, i + 500));
        await this.audit.record(actor, 'faq.import', { type: 'faq_import', id: scope ?? 'all' }, { format, mode, ...counts, skipped: report.skipped, rows: rows.length }, m);
      }
      return counts;
    });
    Object.assign(report, outcome, { applied: !opts.dryRun });
    if (!opts.dryRun) await this.changed();
    return report;
  }

  async export(format: 'csv' | 'xlsx', integrationId?: string): Promise<Buffer> {
    const qb = this.entries.createQueryBuilder('f');
    this.applyScopeFilter(qb, integrationId);
    const rows = await qb.orderBy('f.category', 'ASC').addOrderBy('f.created_at', 'ASC').addOrderBy('f.id', 'ASC').getMany();
    const records: FaqFileRecord[] = rows.map((r) => ({ category: r.category, question: r.question, similarQuestions: r.similarQuestions, answer: r.answer, enabled: r.enabled }));
    return format === 'xlsx' ? writeXlsx(records) : writeCsv(records);
  }

  async template(format: 'csv' | 'xlsx'): Promise<Buffer> {
    return format === 'xlsx' ? writeXlsx(TEMPLATE_RECORDS) : writeCsv(TEMPLATE_RECORDS);
  }

  // ---------- helpers ----------

  private applyScopeFilter(qb: ReturnType<Repository<FaqEntryEntity>['createQueryBuilder']>, integrationId: string | undefined): void {
    if (integrationId === undefined || integrationId === '') return;
    if (integrationId === 'null') qb.andWhere('f.integration_id IS NULL');
    else if (isUuid(integrationId)) qb.andWhere('f.integration_id = :integrationId', { integrationId });
    else throw new ApiError(400, 'BAD_QUERY', "integrationId must be a UUID or 'null'", 'integrationId 需为 UUID 或 null');
  }

  private async importScope(integrationId: string | undefined): Promise<string | null> {
    if (integrationId === undefined || integrationId === '' || integrationId === 'null') return null;
    const errors: FieldError[] = [];
    if (!isUuid(integrationId)) throw new ApiError(400, 'BAD_QUERY', "integrationId must be a UUID or 'null'", 'integrationId 需为 UUID 或 null');
    await checkIntegrationExists(this.integrations, integrationId, errors);
    if (errors.length) throw validationFailed(errors);
    return integrationId;
  }

  private async questionTaken(m: EntityManager, integrationId: string | null, question: string, exceptId: string | null): Promise<boolean> {
    const rows = (await m.query(
      `SELECT 1 FROM faq_entries WHERE integration_id IS NOT DISTINCT FROM $1::uuid AND lower(btrim(question)) = $2 AND ($3::uuid IS NULL OR id <> $3::uuid) LIMIT 1`,
      [integrationId, questionKey(question), exceptId],
    )) as unknown[];
    return rows.length > 0;
  }

  private async find(id: string): Promise<FaqEntryEntity> {
    const row = isUuid(id) ? await this.entries.findOne({ where: { id } }) : null;
    if (!row) throw notFound('FAQ entry', 'FAQ 条目');
    return row;
  }
}

/** Serializes FAQ writes, so the duplicate check and the write see the same table (no unique index on the scope). */
async function lockFaq(m: EntityManager): Promise<void> {
  await m.query(`SELECT pg_advisory_xact_lock(hashtext('imbridge:faq_entries'))`);
}

function checkRows(rows: FaqFileRow[]): { records: FaqFileRecord[]; errors: FaqImportReport['errors'] } {
  const records: FaqFileRecord[] = [];
  const errors: FaqImportReport['errors'] = [];
  const firstRowOf = new Map<string, number>();
  for (const r of rows) {
    const fieldErrors: FieldError[] = [];
    const enabled = parseEnabled(r.cells.enabled);
    if (enabled === null) fieldErrors.push({ field: 'enabled', message: { en: `enabled must be 是/否, true/false or 1/0 (got "${(r.cells.enabled ?? '').slice(0, 20)}")`, zh: `启用列需为 是/否、true/false 或 1/0（当前为"${(r.cells.enabled ?? '').slice(0, 20)}"）` } });
    const rec = checkFaqFields({ category: r.cells.category, question: r.cells.question ?? '', similarQuestions: splitSimilar(r.cells.similarQuestions ?? ''), answer: r.cells.answer ?? '' }, fieldErrors);
    if (rec) {
      const earlier = firstRowOf.get(questionKey(rec.question));
      if (earlier !== undefined) fieldErrors.push({ field: 'question', message: { en: `the same question is already on row ${earlier}`, zh: `与第 ${earlier} 行的标准问题重复` } });
      else firstRowOf.set(questionKey(rec.question), r.row);
    }
    if (fieldErrors.length || !rec || enabled === null) {
      errors.push({
        row: r.row,
        message: { en: fieldErrors.map((e) => e.message.en).join('; '), zh: fieldErrors.map((e) => e.message.zh).join('；') },
      });
      continue;
    }
    records.push({ ...rec, enabled });
  }
  return { records, errors };
}

function summary(r: FaqEntryEntity): Record<string, unknown> {
  return { integrationId: r.integrationId, category: r.category, question: r.question.slice(0, 100), similarQuestions: r.similarQuestions.length, enabled: r.enabled };
}

const round = (n: number): number => Math.round(n * 1000) / 1000;
