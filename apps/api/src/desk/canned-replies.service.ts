import { Injectable } from '@nestjs/common';
import { DataSource, QueryFailedError } from 'typeorm';
import type { CannedReplyView } from '@imbridge/contracts';
import { CannedReplyEntity } from '@imbridge/persistence';
import { type AuditActor, AuditService } from '../audit/audit.service';
import { ApiError, notFound } from '../common/api-error';
import { isUuid } from '../common/ids';

const view = (r: CannedReplyEntity): CannedReplyView => ({ id: r.id, shortcut: r.shortcut, title: r.title, text: r.text, updatedAt: new Date(r.updatedAt).toISOString() });

const duplicate = (shortcut: string): ApiError =>
  new ApiError(409, 'SHORTCUT_TAKEN', `the shortcut "/${shortcut}" is already used by another canned reply`, `快捷短语「/${shortcut}」已被其他快捷回复使用`);

function isUniqueViolation(err: unknown): boolean {
  return err instanceof QueryFailedError && (err.driverError as { code?: string } | undefined)?.code === '23505';
}

/** Canned replies: shortcut (unique, by the database's index), title and text; changes are audit-logged. */
@Injectable()
export class CannedRepliesService {
  constructor(
    private readonly ds: DataSource,
    private readonly audit: AuditService,
  ) {}

  private get repo() {
    return this.ds.getRepository(CannedReplyEntity);
  }

  async list(): Promise<CannedReplyView[]> {
    return (await this.repo.find({ order: { shortcut: 'ASC' } })).map(view);
  }

  async create(input: { shortcut: string; title?: string; text: string }, actor: AuditActor): Promise<CannedReplyView> {
    try {
      return await this.ds.transaction(async (m) => {
        const row = m.create(CannedReplyEntity, { shortcut: input.shortcut, title: input.title ?? '', text: input.text, createdBy: actor.id });
        await m.save(row);
        await this.audit.record(actor, 'canned_reply.create', { type: 'canned_reply', id: row.id }, { shortcut: row.shortcut }, m);
        return view(row);
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicate(input.shortcut);
      throw err;
    }
  }

  async update(id: string, input: { shortcut?: string; title?: string; text?: string }, actor: AuditActor): Promise<CannedReplyView> {
    if (!isUuid(id)) throw notFound('canned reply', '快捷回复');
    try {
      return await this.ds.transaction(async (m) => {
        const row = await m.findOne(CannedReplyEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
        if (!row) throw notFound('canned reply', '快捷回复');
        const before = row.shortcut;
        if (input.shortcut !== undefined) row.shortcut = input.shortcut;
        if (input.title !== undefined) row.title = input.title;
        if (input.text !== undefined) row.text = input.text;
        await m.save(row);
        await this.audit.record(actor, 'canned_reply.update', { type: 'canned_reply', id }, { shortcut: row.shortcut, previousShortcut: before }, m);
        return view(row);
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicate(input.shortcut ?? '');
      throw err;
    }
  }

  async remove(id: string, actor: AuditActor): Promise<void> {
    if (!isUuid(id)) throw notFound('canned reply', '快捷回复');
    await this.ds.transaction(async (m) => {
      const row = await m.findOne(CannedReplyEntity, { where: { id } });
      if (!row) throw notFound('canned reply', '快捷回复');
      await m.delete(CannedReplyEntity, { id });
      await this.audit.record(actor, 'canned_reply.delete', { type: 'canned_reply', id }, { shortcut: row.shortcut }, m);
    });
  }
}
