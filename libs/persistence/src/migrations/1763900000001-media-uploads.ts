import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Images agents upload to send live in media_files too: no integration, message or platform id yet, and who uploaded them. */
export class MediaUploads1763900000001 implements MigrationInterface {
  name = 'MediaUploads1763900000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "media_files" ALTER COLUMN "integration_id" DROP NOT NULL`);
    await q.query(`ALTER TABLE "media_files" ALTER COLUMN "message_id" DROP NOT NULL`);
    await q.query(`ALTER TABLE "media_files" ALTER COLUMN "platform_media_id" DROP NOT NULL`);
    await q.query(`ALTER TABLE "media_files" ADD "uploaded_by" uuid`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM "media_files" WHERE "uploaded_by" IS NOT NULL`);
    await q.query(`ALTER TABLE "media_files" DROP COLUMN "uploaded_by"`);
    await q.query(`ALTER TABLE "media_files" ALTER COLUMN "platform_media_id" SET NOT NULL`);
    await q.query(`ALTER TABLE "media_files" ALTER COLUMN "message_id" SET NOT NULL`);
    await q.query(`ALTER TABLE "media_files" ALTER COLUMN "integration_id" SET NOT NULL`);
  }
}
