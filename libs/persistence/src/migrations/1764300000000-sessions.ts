import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Revocable sessions: a logged-out token's id stays refused until the token would have expired, and
 * a user's session epoch (bumped on a password change) ends every token issued before it. An index
 * for media access by the messages that carry a file, and one for inbox events still deciding.
 */
export class Sessions1764300000000 implements MigrationInterface {
  name = 'Sessions1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "users" ADD "session_epoch" integer NOT NULL DEFAULT '0'`);
    await q.query(
      `CREATE TABLE "revoked_sessions" ("jti" uuid NOT NULL, "user_id" uuid NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT "PK_revoked_sessions" PRIMARY KEY ("jti"))`,
    );
    await q.query(`CREATE INDEX "IDX_revoked_sessions_expires_at" ON "revoked_sessions" ("expires_at")`);
    // Who may fetch a media file is decided by the messages that carry it (object-level access).
    await q.query(`CREATE INDEX "IDX_messages_media_file" ON "messages" ((content->>'mediaFileId')) WHERE content ? 'mediaFileId'`);
    // Inbox events stored whose bot decision is not committed yet ('deciding'), found by the inbox and the sweeper.
    await q.query(`CREATE INDEX "ix_inbox_events_deciding" ON "inbox_events" ("integration_id", "conversation_key", "id") WHERE status = 'deciding'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "ix_inbox_events_deciding"`);
    await q.query(`DROP INDEX "IDX_messages_media_file"`);
    await q.query(`DROP TABLE "revoked_sessions"`);
    await q.query(`ALTER TABLE "users" DROP COLUMN "session_epoch"`);
  }
}
