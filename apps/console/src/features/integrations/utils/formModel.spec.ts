import { describe, expect, it } from 'vitest';
import { wecomDescriptor, wecomIntegration } from '../../../test/fixtures';
import { buildCreateRequest, buildUpdateRequest, defaultSendRate, fieldPathForProblem, initialFormValues, isValidSendRate } from './formModel';

describe('form model', () => {
  it('starts a new integration from the descriptor defaults', () => {
    const values = initialFormValues(wecomDescriptor);
    expect(values).toEqual({
      name: '',
      enabled: true,
      config: {
        corpId: undefined,
        agentId: undefined,
        secret: undefined,
        token: undefined,
        encodingAesKey: undefined,
        apiBaseUrl: 'https://qyapi.weixin.qq.com',
        replayToleranceSeconds: 86400,
      },
      sendRatePerSecond: null,
    });
  });

  it('never puts stored secrets into the form when editing', () => {
    const values = initialFormValues(wecomDescriptor, wecomIntegration);
    expect(values.config.secret).toBeUndefined();
    expect(values.config.token).toBeUndefined();
    expect(values.config.corpId).toBe('ww0123456789abcdef');
    expect(values.name).toBe('客服号 - 华东');
  });

  it('shows the default of a choice the stored integration never saved (e.g. a field added later)', () => {
    const descriptor = {
      ...wecomDescriptor,
      fields: [
        ...wecomDescriptor.fields,
        { name: 'historyOnSetup', label: { zh: '历史', en: 'History' }, type: 'select' as const, required: false, secret: false, default: 'skip', options: [{ value: 'skip', label: { zh: '跳过', en: 'Skip' } }, { value: 'import', label: { zh: '导入', en: 'Import' } }] },
      ],
    };
    expect(initialFormValues(descriptor, wecomIntegration).config['historyOnSetup']).toBe('skip');
    expect(initialFormValues(descriptor, { ...wecomIntegration, config: { ...wecomIntegration.config, historyOnSetup: 'import' } }).config['historyOnSetup']).toBe('import');
    // Other kinds of fields keep showing what was stored (nothing).
    expect(initialFormValues(descriptor, { ...wecomIntegration, config: { ...wecomIntegration.config, apiBaseUrl: null } }).config['apiBaseUrl']).toBeUndefined();
  });

    it('omits empty values on create', () => {
    const body = buildCreateRequest(wecomDescriptor, {
      name: '  销售  ',
      enabled: false,
      config: { corpId: 'ww0123456789abcdef', agentId: 1000002, apiBaseUrl: '', replayToleranceSeconds: undefined },
      sendRatePerSecond: null,
    });
    expect(body).toEqual({ platform: 'wecom', name: '销售', enabled: false, config: { corpId: 'ww0123456789abcdef', agentId: 1000002 } });
  });

  it('omits unchanged secrets on update and clears emptied optional fields with null', () => {
    const body = buildUpdateRequest(wecomDescriptor, wecomIntegration, {
      name: '客服号',
      enabled: true,
      config: { corpId: 'ww0123456789abcdef', agentId: 1000003, secret: '', token: 'NewToken1', apiBaseUrl: '', replayToleranceSeconds: 600 },
      sendRatePerSecond: null,
    });
    expect(body).toEqual({
      name: '客服号',
      enabled: true,
      config: { corpId: 'ww0123456789abcdef', agentId: 1000003, token: 'NewToken1', apiBaseUrl: null, replayToleranceSeconds: 600 },
    });
  });

  it('maps server problem fields to form paths', () => {
    expect(fieldPathForProblem(wecomDescriptor, 'corpId')).toEqual(['config', 'corpId']);
    expect(fieldPathForProblem(wecomDescriptor, 'config.token')).toEqual(['config', 'token']);
    expect(fieldPathForProblem(wecomDescriptor, 'name')).toEqual(['name']);
    expect(fieldPathForProblem(wecomDescriptor, 'sendRatePerSecond')).toEqual(['sendRatePerSecond']);
    expect(fieldPathForProblem(wecomDescriptor, 'bogus')).toBeNull();
  });

  it('carries the send budget: shown when set, sent on create only when given, on update only when changed (emptied: null)', () => {
    expect(initialFormValues(wecomDescriptor, { ...wecomIntegration, sendRatePerSecond: 40 }).sendRatePerSecond).toBe(40);
    const values = { name: 'x', enabled: true, config: { corpId: 'ww0123456789abcdef', agentId: 1000002 } };
    expect(buildCreateRequest(wecomDescriptor, { ...values, sendRatePerSecond: 40 }).sendRatePerSecond).toBe(40);
    expect(buildCreateRequest(wecomDescriptor, { ...values, sendRatePerSecond: null })).not.toHaveProperty('sendRatePerSecond');
    expect(buildUpdateRequest(wecomDescriptor, { ...wecomIntegration, sendRatePerSecond: 40 }, { ...values, sendRatePerSecond: null }).sendRatePerSecond).toBeNull();
    expect(buildUpdateRequest(wecomDescriptor, wecomIntegration, { ...values, sendRatePerSecond: 25 }).sendRatePerSecond).toBe(25);
    expect(buildUpdateRequest(wecomDescriptor, { ...wecomIntegration, sendRatePerSecond: 25 }, { ...values, sendRatePerSecond: 25 })).not.toHaveProperty('sendRatePerSecond');
    expect(buildUpdateRequest(wecomDescriptor, wecomIntegration, { ...values, sendRatePerSecond: null })).not.toHaveProperty('sendRatePerSecond');
  });

  it("takes the default to show from the server when editing (the operator's may replace the platform's), else from the descriptor", () => {
    expect(defaultSendRate(wecomDescriptor)).toBe(100);
    expect(defaultSendRate(wecomDescriptor, { ...wecomIntegration, defaultSendRatePerSecond: 30 })).toBe(30);
    expect([null, undefined, '', 1, 10_000].map(isValidSendRate)).toEqual([true, true, true, true, true]);
    expect([0, 10_001, 2.5, '20'].map(isValidSendRate)).toEqual([false, false, false, false]);
  });
});
