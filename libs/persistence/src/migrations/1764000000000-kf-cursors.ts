import type { MigrationInterface, QueryRunner } from 'typeorm';

/** 微信客服 sync_msg cursors, one per (integration, kf account). */
export class KfCursors1764000000000 implements MigrationInterface {
  name = 'KfCursors1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "kf_cursors" ("integration_id" uuid NOT NULL, "open_kfid" character varying(64) NOT NULL, "cursor" text NOT NULL DEFAULT '', "primed_at" TIMESTAMP WITH TIME ZONE, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_52f17c75bc3e0029fa84b19160f" PRIMARY KEY ("integration_id", "open_kfid"))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "kf_cursors"`);
  }
}
