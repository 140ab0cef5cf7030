import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { VerificationFileEntity } from '@imbridge/persistence';
import { type AuditActor, AuditService } from '../audit/audit.service';
import { ApiError, notFound } from '../common/api-error';

/** WeCom `WW_verify_…txt` and MP `MP_verify_…txt`: a fixed prefix, letters and digits, `.txt`. Nothing else is ever served. */
export const VERIFICATION_FILE_NAME = /^(WW_verify_|MP_verify_)[A-Za-z0-9]{1,64}\.txt$/;
export const VERIFICATION_FILE_MAX_BYTES = 1024;
/** Printable ASCII plus tab, CR, LF: the files hold a short code. */
const PRINTABLE = /^[\x20-\x7e\t\r\n]*$/;

export interface VerificationFileView {
  fileName: string;
  size: number;
  createdAt: string;
}

export const view = (r: VerificationFileEntity): VerificationFileView => ({
  fileName: r.fileName,
  size: Buffer.byteLength(r.content, 'utf8'),
  createdAt: new Date(r.createdAt).toISOString(),
});

/** audit_log.target_id holds 64 characters; the full name is in the details. */
const target = (fileName: string) => ({ type: 'verification-file', id: fileName.slice(0, 64) });

@Injectable()
export class VerificationFilesService {
  constructor(
    @InjectRepository(VerificationFileEntity) private readonly repo: Repository<VerificationFileEntity>,
    private readonly audit: AuditService,
  ) {}

  async list(): Promise<VerificationFileView[]> {
    return (await this.repo.find({ order: { createdAt: 'DESC' } })).map(view);
  }

  /** Creates or replaces (the platform may hand out a new file for the same name). */
  async put(fileName: string, content: string, actor: AuditActor): Promise<VerificationFileView> {
    if (!VERIFICATION_FILE_NAME.test(fileName)) {
      throw new ApiError(400, 'BAD_FILE_NAME', 'fileName must look like WW_verify_xxxx.txt or MP_verify_xxxx.txt (letters and digits)', '文件名须为 WW_verify_xxxx.txt 或 MP_verify_xxxx.txt（字母和数字）');
    }
    if (content.length === 0 || Buffer.byteLength(content, 'utf8') > VERIFICATION_FILE_MAX_BYTES || !PRINTABLE.test(content)) {
      throw new ApiError(400, 'BAD_FILE_CONTENT', `content must be 1–${VERIFICATION_FILE_MAX_BYTES} bytes of printable text`, `文件内容须为 1–${VERIFICATION_FILE_MAX_BYTES} 字节的可打印文本`);
    }
    const existed = await this.repo.exists({ where: { fileName } });
    await this.repo.upsert({ fileName, content, createdBy: actor.id, createdAt: new Date() }, ['fileName']);
    await this.audit.record(actor, existed ? 'verification-file.replace' : 'verification-file.create', target(fileName), { fileName, size: Buffer.byteLength(content, 'utf8') });
    const row = await this.repo.findOne({ where: { fileName } });
    if (!row) throw notFound('verification file', '验证文件'); // deleted at this very moment
    return view(row);
  }

  async remove(fileName: string, actor: AuditActor): Promise<void> {
    const res = VERIFICATION_FILE_NAME.test(fileName) ? await this.repo.delete({ fileName }) : { affected: 0 };
    if (!res.affected) throw notFound('verification file', '验证文件');
    await this.audit.record(actor, 'verification-file.delete', target(fileName), { fileName });
  }

  /** For the public route: the exact content, or null. */
  async content(fileName: string): Promise<string | null> {
    if (!VERIFICATION_FILE_NAME.test(fileName)) return null;
    return (await this.repo.findOne({ where: { fileName } }))?.content ?? null;
  }
}
