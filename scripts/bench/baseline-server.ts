// The yardstick: a bare node:http server doing only what any callback receiver must do
// (verify the signature, decrypt, parse the XML), with no storage and no framework.
import { createServer } from 'node:http';
import { decodeEncodingAesKey, wxDecryptFor, wxVerifySignature } from '@imbridge/crypto';
import { parseSafeXml, xmlRequiredText, xmlRoot } from '@imbridge/platform-core';

const token = process.env['BENCH_TOKEN']!;
const corpId = process.env['BENCH_CORP_ID']!;
const aesKey = decodeEncodingAesKey(process.env['BENCH_AES_KEY']!);

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    try {
      const q = new URL(req.url ?? '/', 'http://x').searchParams;
      const body = Buffer.concat(chunks);
      const encrypt = xmlRequiredText(xmlRoot(parseSafeXml(body)), 'Encrypt');
      if (!wxVerifySignature(token, q.get('timestamp') ?? '', q.get('nonce') ?? '', encrypt, q.get('msg_signature') ?? '')) throw new Error('sig');
      const inner = xmlRoot(parseSafeXml(wxDecryptFor(aesKey, encrypt, corpId)));
      xmlRequiredText(inner, 'MsgId');
      res.writeHead(200).end();
    } catch {
      res.writeHead(400).end('invalid request');
    }
  });
});
server.listen(Number(process.env['PORT']), '127.0.0.1', () => process.send?.('ready'));
