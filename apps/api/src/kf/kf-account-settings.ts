import type { EntityManager, DataSource } from 'typeorm';
import type { KfAccountSettings } from '@imbridge/contracts';

/** What an account without a kf_accounts row gets: served by the bot, console handoff, no welcome/end message. */
export function defaultKfAccountSettings(): KfAccountSettings {
  return {
    served: true,
    pipeline: 'bot',
    handoff: 'console',
    servicerUserId: null,
    welcome: { enabled: false, type: 'text', text: '' },
    endMessage: null,
  };
}

/** The kf_accounts columns that hold the settings. */
export interface KfSettingsRow {
  served: boolean;
  pipeline: KfAccountSettings['pipeline'];
  handoff: KfAccountSettings['handoff'];
  servicer_userid: string | null;
  welcome: KfAccountSettings['welcome'] | null;
  end_message: string | null;
}

/** The settings of one kf account of an integration (defaults when the administrator never saved any). */
export async function readKfAccountSettings(db: DataSource | EntityManager, integrationId: string, openKfId: string): Promise<KfAccountSettings> {
  const [row]: KfSettingsRow[] = await db.query(
    'SELECT served, pipeline, handoff, servicer_userid, welcome, end_message FROM kf_accounts WHERE integration_id = $1 AND open_kfid = $2',
    [integrationId, openKfId],
  );
  return kfSettingsFromRow(row);
}

/** A row's settings; the defaults when there is no row. */
export function kfSettingsFromRow(row: KfSettingsRow | undefined): KfAccountSettings {
  const defaults = defaultKfAccountSettings();
  if (!row) return defaults;
  return {
    served: row.served,
    pipeline: row.pipeline,
    handoff: row.handoff,
    servicerUserId: row.servicer_userid,
    welcome: row.welcome ?? defaults.welcome,
    endMessage: row.end_message,
  };
}
