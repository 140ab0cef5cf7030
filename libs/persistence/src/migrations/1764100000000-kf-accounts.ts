import type { MigrationInterface, QueryRunner } from 'typeorm';

/** 微信客服: per-account settings and contact links, platform session state, WeCom-servicer ownership of a chat. */
export class KfAccounts1764100000000 implements MigrationInterface {
  name = 'KfAccounts1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "kf_accounts" ("integration_id" uuid NOT NULL, "open_kfid" character varying(64) NOT NULL, "name" character varying(64) NOT NULL DEFAULT '',
        "avatar" text, "served" boolean NOT NULL DEFAULT true, "pipeline" character varying(16) NOT NULL DEFAULT 'bot',
        "handoff" character varying(16) NOT NULL DEFAULT 'console', "servicer_userid" character varying(64), "welcome" jsonb, "end_message" text,
        "links" jsonb NOT NULL DEFAULT '[]', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_kf_accounts" PRIMARY KEY ("integration_id", "open_kfid"))`,
    );
    await q.query(
      `CREATE TABLE "kf_sessions" ("conversation_id" uuid NOT NULL, "integration_id" uuid NOT NULL, "open_kfid" character varying(64) NOT NULL,
        "external_userid" character varying(128) NOT NULL, "service_state" smallint, "servicer_userid" character varying(64),
        "synced_at" TIMESTAMP WITH TIME ZONE, "last_error" jsonb, CONSTRAINT "PK_kf_sessions" PRIMARY KEY ("conversation_id"))`,
    );
    await q.query(`ALTER TABLE "conversations" ADD "external_servicer" character varying(64)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "conversations" DROP COLUMN "external_servicer"`);
    await q.query(`DROP TABLE "kf_sessions"`);
    await q.query(`DROP TABLE "kf_accounts"`);
  }
}
