// Distinct, valid, encrypted WeCom text callbacks, shared by the ingest benchmark and its micro-benchmark.
import { decodeEncodingAesKey, wxEncrypt, wxSignature } from '@imbridge/crypto';

export const BENCH_CORP_ID = 'ww0123456789abcdef';
export const BENCH_TOKEN = 'BenchToken123';
export const BENCH_AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

export interface WecomPayload {
  query: string;
  body: string;
}

/** `n` callbacks with distinct MsgIds (from `firstId`), 500 different senders, signed and encrypted. */
export function wecomTextPayloads(n: number, firstId = BigInt('7100000000000000000') + BigInt(Date.now()) * 1000n): WecomPayload[] {
  const key = decodeEncodingAesKey(BENCH_AES_KEY);
  const ts = String(Math.floor(Date.now() / 1000));
  const out: WecomPayload[] = [];
  for (let i = 0; i < n; i++) {
    const msgId = String(firstId + BigInt(i));
    const inner = `<xml><ToUserName><![CDATA[${BENCH_CORP_ID}]]></ToUserName><FromUserName><![CDATA[user${i % 500}]]></FromUserName><CreateTime>${ts}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好，请问价格是多少？ #${i}]]></Content><MsgId>${msgId}</MsgId><AgentID>1000002</AgentID></xml>`;
    const encrypt = wxEncrypt(key, inner, BENCH_CORP_ID);
    const nonce = String(100000 + (i % 900000));
    out.push({
      query: `msg_signature=${wxSignature(BENCH_TOKEN, ts, nonce, encrypt)}&timestamp=${ts}&nonce=${nonce}`,
      body: `<xml><ToUserName><![CDATA[${BENCH_CORP_ID}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>`,
    });
  }
  return out;
}
