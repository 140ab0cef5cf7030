import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Keyword auto-reply rules, and the bot's once-per-inbound-message reply guard. */
export class KeywordRules1763800000000 implements MigrationInterface {
  name = 'KeywordRules1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "keyword_rules" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "integration_id" uuid, "name" character varying(128) NOT NULL DEFAULT '', "keywords" jsonb NOT NULL, "match_type" character varying(16) NOT NULL, "priority" integer NOT NULL DEFAULT '0', "enabled" boolean NOT NULL DEFAULT true, "reply" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_d21d86ed2bcee03e05e005f2fe1" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "ix_keyword_rules_integration" ON "keyword_rules"  ("integration_id")`);
    await q.query(`CREATE TABLE "bot_replies" ("inbox_event_id" bigint NOT NULL, "conversation_id" uuid NOT NULL, "source" character varying(32) NOT NULL, "rule_id" uuid, "message_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_34c46a3ff0862e012355c0deec1" PRIMARY KEY ("inbox_event_id"))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "bot_replies"`);
    await q.query(`DROP INDEX "public"."ix_keyword_rules_integration"`);
    await q.query(`DROP TABLE "keyword_rules"`);
  }
}
