import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The bot pipeline and the agent desk: FAQ entries, per-integration bot settings, canned replies;
 * agent capacity and round-robin order; unread counts, bot failure streaks and queue time on
 * conversations; internal notes as messages with direction 'note'.
 */
export class BotAndDesk1763900000000 implements MigrationInterface {
  name = 'BotAndDesk1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "faq_entries" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "integration_id" uuid, "category" character varying(64) NOT NULL DEFAULT '', "question" character varying(500) NOT NULL, "similar_questions" jsonb NOT NULL, "answer" text NOT NULL, "enabled" boolean NOT NULL DEFAULT true, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_4e06d34f76cad999df10bcc08f6" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "ix_faq_entries_integration" ON "faq_entries"  ("integration_id") `);
    await q.query(`CREATE TABLE "bot_settings" ("integration_id" uuid NOT NULL, "steps" jsonb NOT NULL, "faq_threshold" real NOT NULL DEFAULT '0.3', "faq_suggestions" boolean NOT NULL DEFAULT true, "fallback_text" text, "handoff_after_failures" integer NOT NULL DEFAULT '3', "handoff_keywords" jsonb, "auto_assign" boolean NOT NULL DEFAULT true, "external_app" jsonb, "app_secret_enc" text, "app_secret_last4" character varying(8), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_dac8bfe1286c7bc0093708c8367" PRIMARY KEY ("integration_id"))`);
    await q.query(`CREATE TABLE "canned_replies" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "shortcut" character varying(32) NOT NULL, "title" character varying(64) NOT NULL DEFAULT '', "text" text NOT NULL, "created_by" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_dd80b4af0ce27d517e404fbc7d6" PRIMARY KEY ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "uq_canned_replies_shortcut" ON "canned_replies"  ("shortcut") `);
    await q.query(`ALTER TABLE "users" ADD "capacity" integer NOT NULL DEFAULT '5'`);
    await q.query(`ALTER TABLE "users" ADD "last_assigned_at" TIMESTAMP WITH TIME ZONE`);
    await q.query(`ALTER TABLE "conversations" ADD "unread_count" integer NOT NULL DEFAULT '0'`);
    await q.query(`ALTER TABLE "conversations" ADD "bot_failures" integer NOT NULL DEFAULT '0'`);
    await q.query(`ALTER TABLE "conversations" ADD "queued_at" TIMESTAMP WITH TIME ZONE`);
    // Widened in place (TypeORM would drop and re-add the column, losing every message's direction).
    await q.query(`ALTER TABLE "messages" ALTER COLUMN "direction" TYPE character varying(8)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM "messages" WHERE "direction" = 'note'`);
    await q.query(`ALTER TABLE "messages" ALTER COLUMN "direction" TYPE character varying(3)`);
    await q.query(`ALTER TABLE "conversations" DROP COLUMN "queued_at"`);
    await q.query(`ALTER TABLE "conversations" DROP COLUMN "bot_failures"`);
    await q.query(`ALTER TABLE "conversations" DROP COLUMN "unread_count"`);
    await q.query(`ALTER TABLE "users" DROP COLUMN "last_assigned_at"`);
    await q.query(`ALTER TABLE "users" DROP COLUMN "capacity"`);
    await q.query(`DROP INDEX "public"."uq_canned_replies_shortcut"`);
    await q.query(`DROP TABLE "canned_replies"`);
    await q.query(`DROP TABLE "bot_settings"`);
    await q.query(`DROP INDEX "public"."ix_faq_entries_integration"`);
    await q.query(`DROP TABLE "faq_entries"`);
  }
}
