import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { EntityManager, Repository } from 'typeorm';
import { AuditLogEntity } from '@imbridge/persistence';

export interface AuditActor {
  id: string | null;
  username: string | null;
  ip?: string | null;
}

/** Records who changed what. Details must never contain secret values. */
@Injectable()
export class AuditService {
  private readonly logger = new Logger('Audit');

  constructor(@InjectRepository(AuditLogEntity) private readonly repo: Repository<AuditLogEntity>) {}

  async record(
    actor: AuditActor,
    action: string,
    target?: { type: string; id: string },
    details?: Record<string, unknown>,
    /** Write inside the caller's transaction (the audit row commits or rolls back with the change). */
    m?: EntityManager,
  ): Promise<void> {
    await (m ? m.getRepository(AuditLogEntity) : this.repo).insert({
      actorId: actor.id,
      actorName: actor.username,
      ip: actor.ip ?? null,
      action,
      targetType: target?.type ?? null,
      targetId: target?.id ?? null,
      details: (details ?? null) as never, // jsonb
    });
    this.logger.log(`${action} by ${actor.username ?? 'anonymous'}${target ? ` on ${target.type} ${target.id}` : ''}`);
  }

  async list(limit = 100): Promise<AuditLogEntity[]> {
    return this.repo.find({ order: { id: 'DESC' }, take: Math.min(Math.max(limit, 1), 500) });
  }
}
