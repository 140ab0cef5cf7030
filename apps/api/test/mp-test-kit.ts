import { randomBytes } from 'node:crypto';
import type { PlatformSim } from '@imbridge/platform-sim';
import type { TestApp } from './test-app';

/** Helpers of the 公众号 (mp) API specs: random credentials, an integration and its simulator account. */

export const mpAppId = (): string => `wx${randomBytes(8).toString('hex')}`;
export const mpSecret = (): string => randomBytes(16).toString('hex');
export const mpToken = (): string => `t${randomBytes(8).toString('hex')}`;
export const mpAesKey = (): string => randomBytes(32).toString('base64').replace(/[^A-Za-z0-9]/g, 'x').slice(0, 43);

export interface MpAccountSpec {
  appId: string;
  appSecret: string;
  token: string;
  encodingAesKey: string;
  encryptionMode: 'plain' | 'compatible' | 'safe';
  accountType: 'service' | 'subscription';
  verified: boolean;
}

export function mpAccount(extra: Partial<MpAccountSpec> = {}): MpAccountSpec {
  return { appId: mpAppId(), appSecret: mpSecret(), token: mpToken(), encodingAesKey: mpAesKey(), encryptionMode: 'safe', accountType: 'service', verified: true, ...extra };
}

export interface MpIntegration {
  id: string;
  callbackUrl: string;
  account: MpAccountSpec;
}

/** POST /api/integrations for the account (apiBaseUrl = the simulator), plus `config` extras. */
export async function createMpIntegration(app: TestApp, sim: PlatformSim | null, account: MpAccountSpec, config: Record<string, unknown> = {}, name = 'mp test'): Promise<MpIntegration> {
  const res = await app.api<{ id: string; callbackUrl: string; code?: string; details?: unknown }>(
    'POST',
    '/api/integrations',
    { platform: 'mp', name, config: { ...account, ...(sim ? { apiBaseUrl: sim.url } : {}), ...config } },
    app.adminToken,
  );
  if (res.status !== 201) throw new Error(`creating the mp integration failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.id, callbackUrl: res.body.callbackUrl, account };
}

/** The simulator's account for an integration: same credentials and mode, callbacks to the gateway. */
export function addSimMpAccount(sim: PlatformSim, integration: MpIntegration): void {
  const a = integration.account;
  sim.mp.addAccount({
    appId: a.appId,
    appSecret: a.appSecret,
    token: a.token,
    encodingAesKey: a.encodingAesKey,
    mode: a.encryptionMode,
    accountType: a.accountType,
    verified: a.verified,
    callbackUrl: integration.callbackUrl,
  });
}
