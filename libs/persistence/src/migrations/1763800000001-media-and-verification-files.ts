import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Inbound media copied into our storage (media_files) and domain-verification files served at the site root. */
export class MediaAndVerificationFiles1763800000001 implements MigrationInterface {
  name = 'MediaAndVerificationFiles1763800000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "media_files" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "integration_id" uuid NOT NULL, "message_id" uuid NOT NULL, "platform_media_id" character varying(512) NOT NULL, "content_type" character varying(128), "file_name" character varying(255), "size" bigint, "sha256" character varying(64), "stored_path" character varying(255), "status" character varying(16) NOT NULL DEFAULT 'pending', "error" jsonb, "attempts" integer NOT NULL DEFAULT '0', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_f1dd60c6ecf0d2edcfc37b6d9c9" UNIQUE ("message_id"), CONSTRAINT "PK_93b4da6741cd150e76f9ac035d8" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "ix_media_files_pending" ON "media_files"  ("created_at") WHERE status = 'pending'`);
    await q.query(`CREATE TABLE "verification_files" ("file_name" character varying(128) NOT NULL, "content" text NOT NULL, "created_by" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_72b6df0515d7b4eb52007c9b28f" PRIMARY KEY ("file_name"))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "verification_files"`);
    await q.query(`DROP INDEX "public"."ix_media_files_pending"`);
    await q.query(`DROP TABLE "media_files"`);
  }
}
