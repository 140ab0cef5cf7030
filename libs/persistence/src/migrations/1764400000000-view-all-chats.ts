import type { MigrationInterface, QueryRunner } from 'typeorm';

/** An administrator's grant to an agent: see every chat (a supervisor, quality review), not only the queue and their own. */
export class ViewAllChats1764400000000 implements MigrationInterface {
  name = 'ViewAllChats1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "users" ADD "can_view_all_chats" boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "users" DROP COLUMN "can_view_all_chats"`);
  }
}
