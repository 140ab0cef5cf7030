import type { MigrationInterface, QueryRunner } from 'typeorm';

/** An integration's own send budget (platform calls per second); null keeps the platform's default. */
export class SendRate1764500000000 implements MigrationInterface {
  name = 'SendRate1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "integrations" ADD "send_rate_per_second" integer`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "integrations" DROP COLUMN "send_rate_per_second"`);
  }
}
