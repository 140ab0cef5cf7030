import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The spine's schema: users, integrations, the inbox, contacts, conversations, messages, outbox, audit. */
export class InitialSchema1763730000000 implements MigrationInterface {
  name = 'InitialSchema1763730000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "users" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "username" character varying(64) NOT NULL, "display_name" character varying(128), "password_hash" character varying(255) NOT NULL, "role" character varying(16) NOT NULL, "disabled" boolean NOT NULL DEFAULT false, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_fe0bb3f6520ee0469504521e710" UNIQUE ("username"), CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id"))`);
    await q.query(`CREATE TABLE "integrations" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "platform" character varying(32) NOT NULL, "name" character varying(128) NOT NULL, "enabled" boolean NOT NULL DEFAULT true, "config" jsonb NOT NULL DEFAULT '{}'::jsonb, "secrets" jsonb NOT NULL DEFAULT '{}'::jsonb, "last_error" jsonb, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "deleted_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_9adcdc6d6f3922535361ce641e8" PRIMARY KEY ("id"))`);
    await q.query(`CREATE TABLE "inbox_events" ("id" BIGSERIAL NOT NULL, "integration_id" uuid NOT NULL, "dedupe_key" character varying(255) NOT NULL, "conversation_key" character varying(255) NOT NULL, "payload" jsonb NOT NULL, "status" character varying(16) NOT NULL DEFAULT 'pending', "attempts" integer NOT NULL DEFAULT '0', "last_error" text, "received_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "processed_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_774766668269f8c2c12f13649fc" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "ix_inbox_events_received" ON "inbox_events"  ("received_at")`);
    await q.query(`CREATE INDEX "ix_inbox_events_pending" ON "inbox_events"  ("integration_id", "conversation_key", "id") WHERE status = 'pending'`);
    await q.query(`CREATE UNIQUE INDEX "uq_inbox_events_dedupe" ON "inbox_events"  ("integration_id", "dedupe_key")`);
    await q.query(`CREATE TABLE "contacts" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "integration_id" uuid NOT NULL, "external_id" character varying(255) NOT NULL, "display_name" character varying(255), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_b99cd40cfd66a99f1571f4f72e6" PRIMARY KEY ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "uq_contacts_external" ON "contacts"  ("integration_id", "external_id")`);
    await q.query(`CREATE TABLE "conversations" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "integration_id" uuid NOT NULL, "contact_id" uuid NOT NULL, "state" character varying(16) NOT NULL DEFAULT 'bot', "assignee_id" uuid, "last_message_at" TIMESTAMP WITH TIME ZONE, "last_inbound_at" TIMESTAMP WITH TIME ZONE, "last_message_preview" character varying(200), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_ee34f4f7ced4ec8681f26bf04ef" PRIMARY KEY ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "uq_conversations_contact" ON "conversations"  ("integration_id", "contact_id")`);
    await q.query(`CREATE TABLE "messages" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "conversation_id" uuid NOT NULL, "integration_id" uuid NOT NULL, "direction" character varying(3) NOT NULL, "type" character varying(32) NOT NULL, "text" text, "content" jsonb, "status" character varying(16) NOT NULL, "error" jsonb, "platform_message_id" character varying(255), "inbox_event_id" bigint, "author_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "sent_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "UQ_a5a4db9540e197f8299ad628eb4" UNIQUE ("inbox_event_id"), CONSTRAINT "PK_18325f38ae6de43878487eff986" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "ix_messages_conversation" ON "messages"  ("conversation_id", "created_at")`);
    await q.query(`CREATE TABLE "outbound_messages" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "seq" BIGSERIAL NOT NULL, "message_id" uuid NOT NULL, "integration_id" uuid NOT NULL, "conversation_id" uuid NOT NULL, "recipient" jsonb NOT NULL, "payload" jsonb NOT NULL, "status" character varying(16) NOT NULL DEFAULT 'queued', "attempts" integer NOT NULL DEFAULT '0', "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_error" jsonb, "platform_message_ids" jsonb, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "sent_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "UQ_896d985379313ce2c47d167a798" UNIQUE ("message_id"), CONSTRAINT "PK_0a03db3e2f04f9f33e6daa597ff" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "ix_outbound_unfinished" ON "outbound_messages"  ("next_attempt_at") WHERE status IN ('queued', 'sending')`);
    await q.query(`CREATE INDEX "ix_outbound_conversation_seq" ON "outbound_messages"  ("conversation_id", "seq")`);
    await q.query(`CREATE TABLE "audit_log" ("id" BIGSERIAL NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "actor_id" uuid, "actor_name" character varying(64), "action" character varying(64) NOT NULL, "target_type" character varying(32), "target_id" character varying(64), "details" jsonb, "ip" character varying(64), CONSTRAINT "PK_07fefa57f7f5ab8fc3f52b3ed0b" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "ix_audit_log_at" ON "audit_log"  ("at")`);
    await q.query(`CREATE TABLE "system_settings" ("key" character varying(64) NOT NULL, "value" jsonb NOT NULL, CONSTRAINT "PK_b1b5bc664526d375c94ce9ad43d" PRIMARY KEY ("key"))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "system_settings"`);
    await q.query(`DROP INDEX "public"."ix_audit_log_at"`);
    await q.query(`DROP TABLE "audit_log"`);
    await q.query(`DROP INDEX "public"."ix_outbound_conversation_seq"`);
    await q.query(`DROP INDEX "public"."ix_outbound_unfinished"`);
    await q.query(`DROP TABLE "outbound_messages"`);
    await q.query(`DROP INDEX "public"."ix_messages_conversation"`);
    await q.query(`DROP TABLE "messages"`);
    await q.query(`DROP INDEX "public"."uq_conversations_contact"`);
    await q.query(`DROP TABLE "conversations"`);
    await q.query(`DROP INDEX "public"."uq_contacts_external"`);
    await q.query(`DROP TABLE "contacts"`);
    await q.query(`DROP INDEX "public"."uq_inbox_events_dedupe"`);
    await q.query(`DROP INDEX "public"."ix_inbox_events_pending"`);
    await q.query(`DROP INDEX "public"."ix_inbox_events_received"`);
    await q.query(`DROP TABLE "inbox_events"`);
    await q.query(`DROP TABLE "integrations"`);
    await q.query(`DROP TABLE "users"`);
  }
}
