import { describe, expect, it } from 'vitest';
import { contactName } from './contactName';

describe('contactName', () => {
  it('prefers the display name', () => {
    expect(contactName({ platform: 'wecom-kf', contact: { id: 'c', externalId: 'wk1:wm2', displayName: '王女士' } })).toBe('王女士');
  });
  it('shows the customer part of a 微信客服 contact id', () => {
    expect(contactName({ platform: 'wecom-kf', contact: { id: 'c', externalId: 'wkAbc:wmCustomer01', displayName: null } })).toBe('wmCustomer01');
  });
  it('keeps other platforms’ ids whole, colons included', () => {
    expect(contactName({ platform: 'wecom', contact: { id: 'c', externalId: 'zhang:san', displayName: null } })).toBe('zhang:san');
    expect(contactName({ platform: 'wecom-kf', contact: { id: 'c', externalId: 'odd:', displayName: null } })).toBe('odd:');
  });
});
