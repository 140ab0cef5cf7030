import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * 公众号 (mp): passive replies handed out per inbound MsgId, how far a long answer was paged,
 * the custom menu (draft and what was published) and parameterized QR codes with their welcome text.
 */
export class Mp1764200000000 implements MigrationInterface {
  name = 'Mp1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "outbound_messages" ADD "pickup_offset" integer NOT NULL DEFAULT '0'`);
    await q.query(
      `CREATE TABLE "mp_passive_replies" ("integration_id" uuid NOT NULL, "dedupe_key" character varying(255) NOT NULL, "conversation_id" uuid,
        "kind" character varying(16) NOT NULL, "reply" jsonb NOT NULL, "outbound_ids" jsonb NOT NULL DEFAULT '[]', "delivery" smallint NOT NULL DEFAULT '1',
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_mp_passive_replies" PRIMARY KEY ("integration_id", "dedupe_key"))`,
    );
    await q.query(
      `CREATE TABLE "mp_menus" ("integration_id" uuid NOT NULL, "draft" jsonb, "published" jsonb, "published_at" TIMESTAMP WITH TIME ZONE,
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_mp_menus" PRIMARY KEY ("integration_id"))`,
    );
    await q.query(
      `CREATE TABLE "mp_qr_codes" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "integration_id" uuid NOT NULL, "name" character varying(64) NOT NULL,
        "scene" character varying(64) NOT NULL, "permanent" boolean NOT NULL, "ticket" text NOT NULL, "url" text NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE,
        "welcome_text" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "UQ_mp_qr_codes_scene" UNIQUE ("integration_id", "scene"), CONSTRAINT "PK_mp_qr_codes" PRIMARY KEY ("id"))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "mp_qr_codes"`);
    await q.query(`DROP TABLE "mp_menus"`);
    await q.query(`DROP TABLE "mp_passive_replies"`);
    await q.query(`ALTER TABLE "outbound_messages" DROP COLUMN "pickup_offset"`);
  }
}
