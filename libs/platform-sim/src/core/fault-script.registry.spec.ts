import { FaultScriptRegistry, parseFaultSpec } from './fault-script.registry';
import { SimInputError } from './sim-errors';

describe('FaultScriptRegistry', () => {
  it('applies from call N on, without a count forever', () => {
    const reg = new FaultScriptRegistry();
    reg.add({ api: 'message/send', fromCall: 3, errcode: 42001 });
    const hits = [1, 2, 3, 4, 5].map((n) => reg.take('message/send', n)?.errcode);
    expect(hits).toEqual([undefined, undefined, 42001, 42001, 42001]);
    expect(reg.take('gettoken', 9)).toBeUndefined();
  });

  it('consumes count', () => {
    const reg = new FaultScriptRegistry();
    reg.add({ api: 'gettoken', fromCall: 2, count: 2, errcode: -1 });
    expect([1, 2, 3, 4].map((n) => reg.take('gettoken', n)?.errcode)).toEqual([undefined, -1, -1, undefined]);
    expect(reg.list()[0].remaining).toBe(0);
  });

  it('uses the first matching script, and clears per api', () => {
    const reg = new FaultScriptRegistry();
    reg.add({ api: 'a', fromCall: 1, count: 1, errcode: 1 });
    reg.add({ api: 'a', fromCall: 1, errcode: 2 });
    reg.add({ api: 'b', fromCall: 1, errcode: 3 });
    expect([reg.take('a', 1)?.errcode, reg.take('a', 2)?.errcode]).toEqual([1, 2]);
    reg.clear('a');
    expect(reg.take('a', 3)).toBeUndefined();
    expect(reg.take('b', 1)?.errcode).toBe(3);
  });

  it('validates specs', () => {
    expect(() => parseFaultSpec({ api: 'x', fromCall: 0, errcode: 1 })).toThrow(SimInputError);
    expect(() => parseFaultSpec({ api: 'x', fromCall: 1 })).toThrow(/at least one/);
    expect(() => parseFaultSpec({ api: 'x', fromCall: 1, httpStatus: 700 })).toThrow(/httpStatus/);
    expect(() => parseFaultSpec({ api: 'x', fromCall: 1, delayMs: -5 })).toThrow(/delayMs/);
    expect(() => parseFaultSpec([])).toThrow(/object/);
    expect(parseFaultSpec({ api: 'x', fromCall: 2, delayMs: 10 })).toEqual({ api: 'x', fromCall: 2, delayMs: 10 });
  });
});
