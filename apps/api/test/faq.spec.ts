import { randomBytes } from 'node:crypto';
import ExcelJS from 'exceljs';
import type { DataSource } from 'typeorm';
import type { FaqEntryView } from '@imbridge/contracts';
import type { FaqImportReport, FaqListResult, FaqTestResult } from '../src/faq/faq.dto';
import { FaqService } from '../src/faq/faq.service';
import { newAgent, openDataSource, type ErrorBody } from './helpers';
import { startTestApp, wecomConfig, type TestApp } from './test-app';

/**
 * The FAQ knowledge base over HTTP: CRUD and its rules, spreadsheet import/export in every encoding
 * Excel produces, the test box, and index invalidation across two processes sharing one database.
 */

jest.setTimeout(60_000);

let app: TestApp;
let ds: DataSource;
let agentToken = '';
let integrationId = '';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

beforeAll(async () => {
  app = await startTestApp();
  ds = await openDataSource(app);
  agentToken = (await newAgent(app, 'faq-agent')).token;
  const integ = await app.api<{ id: string }>('POST', '/api/integrations', { platform: 'wecom', name: 'faq shop', config: wecomConfig() }, app.adminToken);
  expect(integ.status).toBe(201);
  integrationId = integ.body.id;
});
afterAll(async () => {
  await ds?.destroy();
  await app?.close();
});

beforeEach(async () => {
  await ds.query('DELETE FROM faq_entries');
});

// ---- helpers ----

async function create(body: Record<string, unknown>, token = app.adminToken): Promise<FaqEntryView> {
  const res = await app.api<FaqEntryView>('POST', '/api/faq', body, token);
  expect({ status: res.status, body: res.status === 201 ? 'created' : res.body }).toEqual({ status: 201, body: 'created' });
  return res.body;
}

async function upload(bytes: Buffer | Uint8Array, contentType: string, query = '', token = app.adminToken): Promise<{ status: number; body: FaqImportReport & ErrorBody }> {
  const res = await fetch(`${app.url}/api/faq/import${query}`, { method: 'POST', headers: { 'content-type': contentType, authorization: `Bearer ${token}` }, body: bytes });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as FaqImportReport & ErrorBody };
}

async function download(path: string): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const res = await fetch(`${app.url}${path}`, { headers: { authorization: `Bearer ${app.adminToken}` } });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

async function list(query = ''): Promise<FaqListResult> {
  const res = await app.api<FaqListResult>('GET', `/api/faq${query}`, undefined, app.adminToken);
  expect(res.status).toBe(200);
  return res.body;
}

async function testBox(text: string, extra: Record<string, unknown> = {}, target: TestApp = app, token = target.adminToken): Promise<FaqTestResult> {
  const res = await target.api<FaqTestResult>('POST', '/api/faq/test', { text, ...extra }, token);
  expect(res.status).toBe(200);
  return res.body;
}

/** GBK bytes for a string, built from the platform's own GB18030 decoder (no encoder in Node). */
let gbkTable: Map<string, number[]> | null = null;
function toGbk(text: string): Buffer {
  if (!gbkTable) {
    gbkTable = new Map();
    const dec = new TextDecoder('gbk');
    for (let hi = 0x81; hi <= 0xfe; hi++) {
      for (let lo = 0x40; lo <= 0xfe; lo++) {
        if (lo === 0x7f) continue;
        const ch = dec.decode(Uint8Array.from([hi, lo]));
        if (ch.length === 1 && ch !== '\ufffd' && !gbkTable.has(ch)) gbkTable.set(ch, [hi, lo]);
      }
    }
  }
  const out: number[] = [];
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    if (code < 0x80) out.push(code);
    else {
      const bytes = gbkTable.get(ch);
      if (!bytes) throw new Error(`no GBK code for ${ch}`);
      out.push(...bytes);
    }
  }
  return Buffer.from(out);
}

const SAMPLE_CSV = [
  '分类,标准问题,相似问题,答案,启用',
  '物流,什么时候发货？,"多久能发货\n下单后几天发货",工作日 16:00 前付款当天发货。,是',
  '售后,怎么申请退款？,退款怎么操作|我要退钱｜钱能退吗,在「我的订单」里申请退款。,',
  '发票,可以开发票吗？,能开票吗；发票怎么开,可以，下单时填写抬头。,否',
].join('\r\n');

// ---- CRUD ----

describe('CRUD', () => {
  it('creates, lists, filters, updates and deletes entries; agents read but cannot write', async () => {
    const a = await create({ question: ' 什么时候发货？ ', similarQuestions: ['多久能发货', '多久能发货', ' '], answer: '当天发货', category: '物流' });
    expect(a).toMatchObject({ integrationId: null, question: '什么时候发货？', similarQuestions: ['多久能发货'], answer: '当天发货', category: '物流', enabled: true });
    const b = await create({ integrationId, question: '怎么退款', answer: '在订单页申请', category: '售后', enabled: false });

    expect((await list()).total).toBe(2);
    expect((await list('?q=退款')).items.map((e) => e.id)).toEqual([b.id]);
    expect((await list('?q=多久能')).items.map((e) => e.id)).toEqual([a.id]); // similar questions are searched too
    expect((await list('?category=物流')).items.map((e) => e.id)).toEqual([a.id]);
    expect((await list('?integrationId=null')).items.map((e) => e.id)).toEqual([a.id]);
    expect((await list(`?integrationId=${integrationId}`)).items.map((e) => e.id)).toEqual([b.id]);
    expect((await list('?limit=1&offset=1')).items).toHaveLength(1);
    expect((await app.api('GET', '/api/faq?integrationId=nope', undefined, app.adminToken)).status).toBe(400);

    const cats = await app.api<string[]>('GET', '/api/faq/categories', undefined, agentToken);
    expect(cats.body).toEqual(['售后', '物流']);
    expect((await app.api<FaqListResult>('GET', '/api/faq', undefined, agentToken)).body.total).toBe(2);
    expect((await app.api<FaqEntryView>('GET', `/api/faq/${a.id}`, undefined, agentToken)).body.question).toBe('什么时候发货？');

    const upd = await app.api<FaqEntryView>('PUT', `/api/faq/${b.id}`, { enabled: true, similarQuestions: ['我要退钱'] }, app.adminToken);
    expect(upd.status).toBe(200);
    expect(upd.body).toMatchObject({ enabled: true, similarQuestions: ['我要退钱'], question: '怎么退款' });

    // Agents: 403 on every write.
    expect((await app.api('POST', '/api/faq', { question: 'x', answer: 'y' }, agentToken)).status).toBe(403);
    expect((await app.api('PUT', `/api/faq/${a.id}`, { answer: 'y' }, agentToken)).status).toBe(403);
    expect((await app.api('DELETE', `/api/faq/${a.id}`, undefined, agentToken)).status).toBe(403);
    expect((await upload(Buffer.from(SAMPLE_CSV), 'text/csv', '', agentToken)).status).toBe(403);

    expect((await app.api('DELETE', `/api/faq/${a.id}`, undefined, app.adminToken)).status).toBe(204);
    expect((await app.api('GET', `/api/faq/${a.id}`, undefined, app.adminToken)).status).toBe(404);
    expect((await app.api('DELETE', `/api/faq/${a.id}`, undefined, app.adminToken)).status).toBe(404);

    const audit = (await ds.query(`SELECT action FROM audit_log WHERE action LIKE 'faq.%' ORDER BY id`)) as { action: string }[];
    expect(audit.map((r) => r.action)).toEqual(['faq.create', 'faq.create', 'faq.update', 'faq.delete']);
  });

  it('refuses invalid fields with bilingual per-field errors', async () => {
    const res = await app.api<ErrorBody>(
      'POST',
      '/api/faq',
      { question: '', answer: 'x'.repeat(4001), category: 'c'.repeat(65), similarQuestions: Array.from({ length: 51 }, (_, i) => `问法${i}`) },
      app.adminToken,
    );
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.details!.map((d) => d.field).sort()).toEqual(['answer', 'category', 'question', 'similarQuestions']);
    expect(res.body.details!.find((d) => d.field === 'answer')!.message.zh).toContain('4000');
    const long = await app.api<ErrorBody>('POST', '/api/faq', { question: 'q', answer: 'a', similarQuestions: ['s'.repeat(501)] }, app.adminToken);
    expect(long.body.details![0]!.field).toBe('similarQuestions[0]');
    const badScope = await app.api<ErrorBody>('POST', '/api/faq', { question: 'q', answer: 'a', integrationId: '00000000-0000-4000-8000-000000000000' }, app.adminToken);
    expect(badScope.status).toBe(400);
    expect(badScope.body.details![0]!.message).toEqual({ en: 'no such integration', zh: '接入不存在' });
    expect((await app.api('POST', '/api/faq', { question: 'q', answer: 'a', extra: 1 }, app.adminToken)).status).toBe(400);
    expect((await list()).total).toBe(0);
  });

  it('rejects a duplicate standard question in the same scope with 409, allows it in another scope', async () => {
    const first = await create({ question: '营业时间', answer: '9:00-18:00' });
    const dup = await app.api<ErrorBody>('POST', '/api/faq', { question: ' 营业时间 ', answer: '另一个答案' }, app.adminToken);
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('FAQ_DUPLICATE');
    expect(dup.body.messageZh).toContain('已存在');
    const other = await create({ integrationId, question: '营业时间', answer: '店铺 10:00-22:00' });
    // Moving it into the global scope collides with the first entry.
    expect((await app.api('PUT', `/api/faq/${other.id}`, { integrationId: null }, app.adminToken)).status).toBe(409);
    const second = await create({ question: 'Opening hours', answer: '9-18' });
    expect((await app.api('PUT', `/api/faq/${second.id}`, { question: 'OPENING HOURS ' }, app.adminToken)).status).toBe(200);
    expect((await app.api('PUT', `/api/faq/${second.id}`, { question: '营业时间' }, app.adminToken)).status).toBe(409);
    expect((await app.api('PUT', `/api/faq/${first.id}`, { question: '营业时间', answer: '8:00-20:00' }, app.adminToken)).status).toBe(200);
  });
});

// ---- import / export ----

describe('import and export', () => {
  it('imports UTF-8 CSV with a BOM: similar-question separators, enabled column, dry run first', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(SAMPLE_CSV, 'utf8')]);
    const dry = await upload(bytes, 'text/csv', '?dryRun=true');
    expect(dry.status).toBe(200);
    expect(dry.body).toEqual({ created: 3, updated: 0, deleted: 0, skipped: 0, errors: [], applied: false });
    expect((await list()).total).toBe(0);

    const real = await upload(bytes, 'text/csv; charset=utf-8');
    expect(real.body).toEqual({ created: 3, updated: 0, deleted: 0, skipped: 0, errors: [], applied: true });
    const items = (await list()).items;
    const byQ = new Map(items.map((e) => [e.question, e]));
    expect(byQ.get('什么时候发货？')!.similarQuestions).toEqual(['多久能发货', '下单后几天发货']);
    expect(byQ.get('怎么申请退款？')!.similarQuestions).toEqual(['退款怎么操作', '我要退钱', '钱能退吗']);
    expect(byQ.get('怎么申请退款？')!.enabled).toBe(true);
    expect(byQ.get('可以开发票吗？')!).toMatchObject({ similarQuestions: ['能开票吗', '发票怎么开'], enabled: false, category: '发票' });

    // Append again: same questions are updated, a new one created.
    const again = await upload(Buffer.from(`标准问题,答案\n什么时候发货？,改了\n有实体店吗,没有\n`), 'text/csv');
    expect(again.body).toMatchObject({ created: 1, updated: 1, deleted: 0, applied: true });
    expect((await list('?q=改了')).items[0]!.question).toBe('什么时候发货？');
    expect((await list()).total).toBe(4);
  });

  it('imports GBK CSV as Excel on Chinese Windows saves it, and English headers', async () => {
    const csv = '分类,标准问题,相似问题,答案,启用\r\n账号,忘记密码怎么办,密码找回|登不上去,点击登录页的忘记密码。,1\r\n';
    const gbk = toGbk(csv);
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(gbk)).toThrow(); // really not UTF-8
    const res = await upload(gbk, 'application/vnd.ms-excel');
    expect(res.body).toMatchObject({ created: 1, errors: [] });
    expect((await list()).items[0]).toMatchObject({ category: '账号', question: '忘记密码怎么办', similarQuestions: ['密码找回', '登不上去'], answer: '点击登录页的忘记密码。' });

    const en = await upload(Buffer.from('Question,Answer,Similar Questions,Enabled,Category\nDo you ship abroad?,No,international shipping,false,Shipping\n'), 'text/csv');
    expect(en.body).toMatchObject({ created: 1, errors: [] });
    expect((await list('?q=abroad')).items[0]).toMatchObject({ enabled: false, category: 'Shipping', similarQuestions: ['international shipping'] });
  });

  it('reports row errors with row numbers and imports nothing unless skipInvalid', async () => {
    const csv = [
      '标准问题,答案,启用,分类',
      '好问题,好答案,是,',
      ',没有问题的答案,是,', // row 3: no question
      '没有答案,,是,', // row 4
      '好问题,重复,是,', // row 5: same as row 2
      '启用写错,答案,也许,', // row 6
      `分类太长,答案,是,${'类'.repeat(65)}`, // row 7
      '另一个好问题,答案2,否,',
    ].join('\n');
    const res = await upload(Buffer.from(csv), 'text/csv');
    expect(res.status).toBe(200);
    expect(res.body.applied).toBe(false);
    expect(res.body.created).toBe(0);
    expect(res.body.errors.map((e) => e.row)).toEqual([3, 4, 5, 6, 7]);
    expect(res.body.errors[0]!.message.zh).toContain('标准问题');
    expect(res.body.errors[2]!.message).toEqual({ en: 'the same question is already on row 2', zh: '与第 2 行的标准问题重复' });
    expect(res.body.errors[3]!.message.en).toContain('也许');
    expect((await list()).total).toBe(0);

    const dry = await upload(Buffer.from(csv), 'text/csv', '?dryRun=true');
    expect(dry.body).toMatchObject({ created: 2, skipped: 5, applied: false });
    expect((await list()).total).toBe(0);

    const skip = await upload(Buffer.from(csv), 'text/csv', '?skipInvalid=true');
    expect(skip.body).toMatchObject({ created: 2, skipped: 5, applied: true });
    expect((await list()).items.map((e) => e.question).sort()).toEqual(['另一个好问题', '好问题']);
  });

  it('replace deletes only the target scope first, in the same transaction', async () => {
    await create({ question: '全局旧问题', answer: '旧' });
    await create({ integrationId, question: '店铺旧问题1', answer: '旧' });
    await create({ integrationId, question: '店铺旧问题2', answer: '旧' });
    const csv = Buffer.from('标准问题,答案\n店铺新问题,新\n');
    const dry = await upload(csv, 'text/csv', `?mode=replace&dryRun=true&integrationId=${integrationId}`);
    expect(dry.body).toMatchObject({ created: 1, updated: 0, deleted: 2, applied: false });
    expect((await list()).total).toBe(3);

    const res = await upload(csv, 'text/csv', `?mode=replace&integrationId=${integrationId}`);
    expect(res.body).toMatchObject({ created: 1, updated: 0, deleted: 2, applied: true });
    expect((await list(`?integrationId=${integrationId}`)).items.map((e) => e.question)).toEqual(['店铺新问题']);
    expect((await list('?integrationId=null')).items.map((e) => e.question)).toEqual(['全局旧问题']);

    // A failing replace (row errors) leaves the scope untouched.
    const bad = await upload(Buffer.from('标准问题,答案\n,缺问题\n'), 'text/csv', `?mode=replace&integrationId=${integrationId}`);
    expect(bad.body).toMatchObject({ applied: false, deleted: 0 });
    expect((await list(`?integrationId=${integrationId}`)).total).toBe(1);
    expect((await upload(csv, 'text/csv', '?mode=overwrite')).status).toBe(400);
    expect((await upload(csv, 'text/csv', '?integrationId=not-a-uuid')).status).toBe(400);
  });

  it('exports CSV (BOM) and XLSX that import back unchanged', async () => {
    await create({ category: '物流', question: '什么时候发货？', similarQuestions: ['多久能发货', '今天下单今天能发吗'], answer: '当天发货，"快递"随机，\n周末顺延。' });
    await create({ category: '', question: 'Do you ship, abroad?', answer: 'No', enabled: false });
    // Cells a spreadsheet would run as formulas, and text that merely looks like an escaped one.
    await create({ category: '=1+1', question: '=HYPERLINK("http://evil.example","点我")', similarQuestions: ['+86 电话多少', "'=已转义"], answer: '@SUM(A1) -5 折' });
    const before = (await list()).items.map(strip).sort(byQuestion);

    const csv = await download('/api/faq/export?format=csv');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="faq-\d{8}\.csv"/);
    expect([...csv.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv.bytes.toString('utf8')).toContain('标准问题/question');
    // No cell of the CSV starts a formula: each is prefixed with an apostrophe (shown as text by Excel/WPS).
    const csvText = csv.bytes.toString('utf8');
    expect(csvText).toContain(`'=1+1,"'=HYPERLINK(""http://evil.example"",""点我"")"`);
    expect(csvText).toContain(`'@SUM(A1) -5 折`);

    const xlsx = await download('/api/faq/export?format=xlsx');
    expect(xlsx.headers.get('content-type')).toBe(XLSX_TYPE);
    expect(xlsx.headers.get('content-disposition')).toMatch(/filename="faq-\d{8}\.xlsx"/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.bytes as unknown as ArrayBuffer);
    expect(wb.worksheets[0]!.getRow(1).getCell(2).value).toBe('标准问题/question');

    for (const [bytes, type] of [[csv.bytes, 'text/csv'], [xlsx.bytes, XLSX_TYPE], [xlsx.bytes, 'application/octet-stream']] as const) {
      await ds.query('DELETE FROM faq_entries');
      const res = await upload(bytes, type);
      expect(res.body).toMatchObject({ created: 3, errors: [], applied: true });
      expect((await list()).items.map(strip).sort(byQuestion)).toEqual(before);
    }
  });

  it('serves templates that import as they are', async () => {
    for (const format of ['csv', 'xlsx'] as const) {
      const t = await download(`/api/faq/template?format=${format}`);
      expect(t.status).toBe(200);
      expect(t.headers.get('content-disposition')).toContain(`faq-template.${format}`);
      await ds.query('DELETE FROM faq_entries');
      const res = await upload(t.bytes, format === 'csv' ? 'text/csv' : XLSX_TYPE, '?dryRun=true');
      expect(res.body).toMatchObject({ created: 2, errors: [] });
    }
    expect((await download('/api/faq/template?format=pdf')).status).toBe(400);
  });

  it('answers garbage, truncated, wrong-type and oversized files with clear 400s', async () => {
    const xlsx = await download('/api/faq/template?format=xlsx');
    const cases: [Buffer, string, string][] = [
      [randomBytes(20_000), 'text/csv', 'BAD_CSV'],
      [randomBytes(20_000), 'application/octet-stream', 'BAD_CSV'],
      [randomBytes(20_000), XLSX_TYPE, 'BAD_XLSX'],
      [xlsx.bytes.subarray(0, Math.floor(xlsx.bytes.length / 2)), XLSX_TYPE, 'BAD_XLSX'],
      [Buffer.concat([Buffer.from('PK\x03\x04'), randomBytes(5000)]), 'application/octet-stream', 'BAD_XLSX'],
      [Buffer.from('%PDF-1.7 ...'), 'application/pdf', 'UNSUPPORTED_FILE'],
      [Buffer.from(''), 'text/csv', 'EMPTY_FILE'],
      [Buffer.from('名字,内容\n张三,你好\n'), 'text/csv', 'MISSING_COLUMNS'],
      [Buffer.from('标准问题,答案\n"未闭合的引号,答案\n'), 'text/csv', 'BAD_CSV'],
    ];
    for (const [bytes, type, code] of cases) {
      const res = await upload(bytes, type);
      expect({ type, status: res.status, code: res.body.code }).toEqual({ type, status: 400, code });
      expect(res.body.messageZh).toBeTruthy();
    }
    // A zip whose directory declares a huge inflated size is refused before it is unpacked.
    const bomb = Buffer.from(xlsx.bytes);
    const eocd = bomb.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    bomb.writeUInt32LE(0x7fff_ffff, bomb.readUInt32LE(eocd + 16) + 24);
    const bombRes = await upload(bomb, XLSX_TYPE);
    expect({ status: bombRes.status, code: bombRes.body.code }).toEqual({ status: 400, code: 'FILE_TOO_LARGE' });

    const json = await app.api<ErrorBody>('POST', '/api/faq/import', { rows: [] }, app.adminToken);
    expect(json.status).toBe(400);
    expect(json.body.code).toBe('UNSUPPORTED_FILE');

    const big = ['标准问题,答案', ...Array.from({ length: 5001 }, (_, i) => `问题${i},答案${i}`)].join('\n');
    const tooMany = await upload(Buffer.from(big), 'text/csv');
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.code).toBe('TOO_MANY_ROWS');
    const ok = await upload(Buffer.from(['标准问题,答案', ...Array.from({ length: 5000 }, (_, i) => `问题${i},答案${i}`)].join('\n')), 'text/csv', '?dryRun=true');
    expect(ok.body).toMatchObject({ created: 5000, errors: [] });
    expect((await list()).total).toBe(0);
    // The app still works after all of that.
    expect((await app.api('GET', '/api/health', undefined)).status).toBe(200);
  });
});

// ---- matching ----

describe('matching', () => {
  it('POST /api/faq/test finds paraphrases, gives suggestions below the threshold and respects scope', async () => {
    const ship = await create({ question: '什么时候发货', similarQuestions: ['多久能发货', '下单后几天发货'], answer: '当天发货' });
    await create({ question: '运费怎么算', similarQuestions: ['邮费多少', '包邮吗'], answer: '满 99 包邮' });
    await create({ question: '怎么申请退款', similarQuestions: ['退款怎么操作'], answer: '订单页申请' });
    const own = await create({ integrationId, question: '门店地址在哪里', answer: '人民路 1 号' });
    await create({ question: '停用的问题发货', answer: '不该出现', enabled: false });

    const hit = await testBox('请问啥时候发货呀？');
    expect(hit.entry?.id).toBe(ship.id);
    expect(hit.score).toBeGreaterThanOrEqual(0.3);
    expect(hit.matchedQuestion).toBeTruthy();
    expect(hit.suggestions.every((s) => s.score < hit.threshold)).toBe(true);

    // A high threshold turns the same candidates into "did you mean" suggestions.
    const strict = await testBox('发货要几天', { threshold: 0.99 });
    expect(strict.entry).toBeNull();
    expect(strict.suggestions.length).toBeGreaterThan(0);
    expect(strict.suggestions.length).toBeLessThanOrEqual(3);
    expect(strict.suggestions[0]!.id).toBe(ship.id);
    expect(strict.score).toBe(strict.suggestions[0]!.score);

    const none = await testBox('今天天气怎么样');
    expect(none.entry).toBeNull();

    // Integration-scoped entries compete only for that integration; agents may use the test box.
    expect((await testBox('门店在哪')).entry).toBeNull();
    expect((await testBox('门店在哪', { integrationId }, app, agentToken)).entry?.id).toBe(own.id);

    const svc = app.running.app.get(FaqService);
    const m = await svc.match(integrationId, '多久能发货', 0.3);
    expect(m.entry).toEqual({ id: ship.id, question: '什么时候发货', answer: '当天发货' });
    expect(await svc.match(integrationId, '停用的问题发货', 0.9)).toMatchObject({ entry: null });
    expect((await app.api('POST', '/api/faq/test', { text: 'x', threshold: 2 }, app.adminToken)).status).toBe(400);
  });

  it('an edit in one API process is seen by another process on its next match (Redis version counter)', async () => {
    const second = await startTestApp({}, { databaseUrl: app.databaseUrl, env: app.env });
    try {
      expect(second.config.redisPrefix).toBe(app.config.redisPrefix);
      const entry = await create({ question: '有没有发票', answer: '可以开' });
      // Both processes build their index now.
      expect((await testBox('能开发票吗', {}, second)).entry?.answer).toBe('可以开');
      expect((await testBox('能开发票吗')).entry?.answer).toBe('可以开');

      // The index is cached per process: a change behind the service's back is not seen...
      await ds.query(`UPDATE faq_entries SET answer = '直接改库' WHERE id = $1`, [entry.id]);
      expect((await testBox('能开发票吗', {}, second)).entry?.answer).toBe('可以开');
      expect((await testBox('能开发票吗')).entry?.answer).toBe('可以开');

      // ...but an edit through the first process is seen by the second at once (version counter bumped).
      expect((await app.api('PUT', `/api/faq/${entry.id}`, { answer: '电子发票，下单后 24 小时内发送' }, app.adminToken)).status).toBe(200);
      expect((await testBox('能开发票吗', {}, second)).entry?.answer).toBe('电子发票，下单后 24 小时内发送');

      // Import through the second; the first sees it.
      const res = await fetch(`${second.url}/api/faq/import`, { method: 'POST', headers: { 'content-type': 'text/csv', authorization: `Bearer ${second.adminToken}` }, body: '标准问题,答案\n支持花呗吗,支持花呗分期\n' });
      expect(res.status).toBe(200);
      expect((await testBox('可以用花呗吗')).entry?.answer).toBe('支持花呗分期');

      // Disable through the second; the first stops answering.
      expect((await second.api('PUT', `/api/faq/${entry.id}`, { enabled: false }, second.adminToken)).status).toBe(200);
      expect((await testBox('能开发票吗')).entry).toBeNull();
      // Delete.
      const hb = (await list('?q=花呗')).items[0]!;
      expect((await second.api('DELETE', `/api/faq/${hb.id}`, undefined, second.adminToken)).status).toBe(204);
      expect((await testBox('可以用花呗吗')).entry).toBeNull();
    } finally {
      await second.close();
    }
  });
});

function strip(e: FaqEntryView): Omit<FaqEntryView, 'id' | 'createdAt' | 'updatedAt'> {
  return { integrationId: e.integrationId, category: e.category, question: e.question, similarQuestions: e.similarQuestions, answer: e.answer, enabled: e.enabled };
}
function byQuestion(a: { question: string }, b: { question: string }): number {
  return a.question.localeCompare(b.question);
}
