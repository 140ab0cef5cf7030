import ExcelJS from 'exceljs';
import { parse as parseCsv } from 'csv-parse/sync';
import { ApiError } from '../common/api-error';

/** Spreadsheet import/export of FAQ entries: CSV (UTF-8 or GBK/GB18030) and XLSX, columns found by header. */

export const MAX_IMPORT_ROWS = 5000;

export type FaqColumn = 'category' | 'question' | 'similarQuestions' | 'answer' | 'enabled';

/** Export/template headers: Chinese first (what operators type), English after a slash for the rest of the world. */
export const FAQ_HEADERS: Record<FaqColumn, string> = {
  category: '分类/category',
  question: '标准问题/question',
  similarQuestions: '相似问题/similar questions',
  answer: '答案/answer',
  enabled: '启用/enabled',
};
const COLUMN_ORDER: FaqColumn[] = ['category', 'question', 'similarQuestions', 'answer', 'enabled'];

/** Accepted header spellings (compared after lower-casing and removing spaces, `_`, `-`). */
const HEADER_ALIASES: Record<FaqColumn, string[]> = {
  category: ['分类', '类别', 'category'],
  question: ['标准问题', '问题', 'question', 'standardquestion'],
  similarQuestions: ['相似问题', '相似问法', 'similarquestions', 'similarquestion', 'similar'],
  answer: ['答案', '回答', 'answer'],
  enabled: ['启用', '是否启用', 'enabled'],
};

export interface FaqFileRow {
  /** Row number in the file as a spreadsheet shows it (the header is row 1). */
  row: number;
  cells: Partial<Record<FaqColumn, string>>;
}

export interface FaqFileRecord {
  category: string;
  question: string;
  similarQuestions: string[];
  answer: string;
  enabled: boolean;
}

const badFile = (code: string, en: string, zh: string): ApiError => new ApiError(400, code, en, zh);

const CSV_TYPES = ['text/csv', 'application/csv', 'text/plain', 'application/vnd.ms-excel', 'text/comma-separated-values'];
const XLSX_TYPES = ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'];
const GENERIC_TYPES = ['application/octet-stream', ''];

export type FaqFileFormat = 'csv' | 'xlsx';

/** Which parser to use: the bytes decide between zip (XLSX) and text; the declared type must not contradict them. */
export function detectFormat(body: unknown, contentType: string | undefined): { format: FaqFileFormat; bytes: Buffer } {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (!Buffer.isBuffer(body)) {
    throw badFile('UNSUPPORTED_FILE', 'Send the CSV or XLSX file itself as the request body (Content-Type text/csv or the XLSX type)', '请以 CSV 或 XLSX 文件本身作为请求体上传');
  }
  if (body.length === 0) throw badFile('EMPTY_FILE', 'The file is empty', '文件为空');
  const isZip = body.length >= 4 && body[0] === 0x50 && body[1] === 0x4b && body[2] === 0x03 && body[3] === 0x04;
  if (XLSX_TYPES.includes(type) || (isZip && (GENERIC_TYPES.includes(type) || CSV_TYPES.includes(type)))) {
    if (!isZip) throw badFile('BAD_XLSX', 'The file is not a valid XLSX workbook', '文件不是有效的 XLSX 表格');
    return { format: 'xlsx', bytes: body };
  }
  if (CSV_TYPES.includes(type) || GENERIC_TYPES.includes(type)) return { format: 'csv', bytes: body };
  throw badFile('UNSUPPORTED_FILE', `Unsupported file type "${type}": upload a CSV or XLSX file`, `不支持的文件类型"${type}"，请上传 CSV 或 XLSX 文件`);
}

/** UTF-8 (BOM optional) when the bytes are valid UTF-8, otherwise GB18030 (a superset of GBK: Excel on Chinese Windows). */
export function decodeCsvBytes(bytes: Buffer): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    text = new TextDecoder('gb18030').decode(bytes);
  }
  // Binary garbage decodes "successfully" as GB18030: refuse text with control bytes or many replacement characters.
  // eslint-disable-next-line no-control-regex
  const controls = (text.match(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffd]/g) ?? []).length;
  if (controls > 0) throw badFile('BAD_CSV', 'The file is not a readable CSV text file (binary or unknown encoding)', '文件不是可识别的 CSV 文本（可能是二进制文件或编码不受支持）');
  return text;
}

function headerKey(raw: string): FaqColumn | null {
  const norm = raw.replace(/^\ufeff/, '').trim().toLowerCase();
  // "标准问题/question": either side of a slash may name the column.
  const candidates = [norm, ...norm.split(/[/／]/)].map((s) => s.replace(/[\s_\-()（）]/g, ''));
  for (const col of COLUMN_ORDER) {
    if (candidates.some((c) => HEADER_ALIASES[col].includes(c))) return col;
  }
  return null;
}

function mapRows(table: { row: number; values: string[] }[]): FaqFileRow[] {
  const headerIdx = table.findIndex((r) => r.values.some((v) => v.trim() !== ''));
  if (headerIdx < 0) throw badFile('EMPTY_FILE', 'The file has no header row', '文件没有表头');
  const header = table[headerIdx]!.values.map(headerKey);
  const missing = (['question', 'answer'] as FaqColumn[]).filter((c) => !header.includes(c));
  if (missing.length) {
    throw badFile(
      'MISSING_COLUMNS',
      `Missing column(s): ${missing.map((c) => FAQ_HEADERS[c]).join(', ')}. Download the template for the expected header.`,
      `缺少列：${missing.map((c) => FAQ_HEADERS[c].split('/')[0]).join('、')}。请下载模板查看表头格式。`,
    );
  }
  const rows: FaqFileRow[] = [];
  for (const r of table.slice(headerIdx + 1)) {
    if (r.values.every((v) => v.trim() === '')) continue;
    const cells: FaqFileRow['cells'] = {};
    header.forEach((col, i) => {
      if (col && cells[col] === undefined) cells[col] = r.values[i] ?? '';
    });
    rows.push({ row: r.row, cells });
  }
  if (rows.length > MAX_IMPORT_ROWS) {
    throw badFile('TOO_MANY_ROWS', `The file has ${rows.length} rows; at most ${MAX_IMPORT_ROWS} per import`, `文件有 ${rows.length} 行，每次最多导入 ${MAX_IMPORT_ROWS} 行`);
  }
  return rows;
}

function parseCsvText(text: string): { row: number; values: string[] }[] {
  let records: { record: string[]; info: { records: number } }[];
  try {
    records = parseCsv(text, {
      bom: true,
      relax_column_count: true,
      skip_empty_lines: false,
      info: true,
      // Cheap guard against a file of one huge row or millions of rows before the row cap applies.
      to: MAX_IMPORT_ROWS + 2,
      max_record_size: 1_000_000,
    }) as unknown as { record: string[]; info: { records: number } }[];
  } catch (err) {
    const reason = err instanceof Error ? err.message.slice(0, 200) : 'parse error';
    throw badFile('BAD_CSV', `The CSV could not be read: ${reason}`, `CSV 文件无法解析：${reason}`);
  }
  if (records.length > MAX_IMPORT_ROWS + 1) {
    throw badFile('TOO_MANY_ROWS', `The file has more than ${MAX_IMPORT_ROWS} rows`, `文件超过 ${MAX_IMPORT_ROWS} 行`);
  }
  return records.map((r) => ({ row: r.info.records, values: r.record.map(unguardCsvCell) }));
}

/**
 * Spreadsheet formula injection: a CSV cell starting with = + - @ (or a tab/CR) is run as a formula by
 * Excel/WPS. Export prefixes such cells with an apostrophe (shown as text); import removes exactly one
 * apostrophe before those characters, so any text survives export → import unchanged.
 */
const FORMULA_START = /^'*[=+\-@\t\r]/;
export function guardCsvCell(v: string): string {
  return FORMULA_START.test(v) ? `'${v}` : v;
}
export function unguardCsvCell(v: string): string {
  return v.startsWith("'") && FORMULA_START.test(v) ? v.slice(1) : v;
}

function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') {
    if ('richText' in value && Array.isArray(value.richText)) return value.richText.map((t) => t.text).join('');
    if ('text' in value && typeof value.text === 'string') return value.text; // hyperlink
    if ('result' in value) return cellText(value.result as ExcelJS.CellValue); // formula
    if ('error' in value) return '';
  }
  return '';
}

/** An XLSX is a zip: more than this once inflated (as its directory declares) is refused before loading. */
const MAX_XLSX_INFLATED = 200 * 1024 * 1024;

/**
 * Sums the uncompressed sizes the zip's central directory declares, so a small "zip bomb" is refused
 * before the workbook library inflates it in memory. Null when the directory can't be read.
 */
export function declaredZipSize(bytes: Buffer): number | null {
  const min = Math.max(0, bytes.length - 65_557);
  for (let i = bytes.length - 22; i >= min; i--) {
    if (bytes.readUInt32LE(i) !== 0x06054b50) continue;
    const count = bytes.readUInt16LE(i + 10);
    let at = bytes.readUInt32LE(i + 16);
    let total = 0;
    for (let n = 0; n < count; n++) {
      if (at + 46 > bytes.length || bytes.readUInt32LE(at) !== 0x02014b50) return null;
      const size = bytes.readUInt32LE(at + 24);
      if (size === 0xffffffff) return Number.POSITIVE_INFINITY; // zip64: far beyond any FAQ sheet
      total += size;
      at += 46 + bytes.readUInt16LE(at + 28) + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32);
    }
    return total;
  }
  return null;
}

async function parseXlsx(bytes: Buffer): Promise<{ row: number; values: string[] }[]> {
  const inflated = declaredZipSize(bytes);
  if (inflated === null) throw badFile('BAD_XLSX', 'The XLSX workbook could not be read: not a complete zip archive', 'XLSX 文件无法读取：压缩包不完整');
  if (inflated > MAX_XLSX_INFLATED) throw badFile('FILE_TOO_LARGE', 'The XLSX workbook is too large once unpacked', 'XLSX 文件解压后过大');
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch (err) {
    const reason = err instanceof Error ? err.message.slice(0, 200) : 'load error';
    throw badFile('BAD_XLSX', `The XLSX workbook could not be read: ${reason}`, `XLSX 文件无法读取：${reason}`);
  }
  const sheet = wb.worksheets[0];
  if (!sheet) throw badFile('BAD_XLSX', 'The workbook has no worksheet', '工作簿中没有工作表');
  if (sheet.actualRowCount > MAX_IMPORT_ROWS + 1) {
    throw badFile('TOO_MANY_ROWS', `The sheet has more than ${MAX_IMPORT_ROWS} rows`, `工作表超过 ${MAX_IMPORT_ROWS} 行`);
  }
  const out: { row: number; values: string[] }[] = [];
  sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const values: string[] = [];
    for (let c = 1; c <= Math.min(row.cellCount, 64); c++) values.push(cellText(row.getCell(c).value));
    out.push({ row: rowNumber, values });
  });
  return out;
}

/** Parses an uploaded file into rows keyed by column. Every failure is a 400 ApiError. */
export async function readFaqFile(body: unknown, contentType: string | undefined): Promise<{ format: FaqFileFormat; rows: FaqFileRow[] }> {
  const { format, bytes } = detectFormat(body, contentType);
  const table = format === 'xlsx' ? await parseXlsx(bytes) : parseCsvText(decodeCsvBytes(bytes));
  return { format, rows: mapRows(table) };
}

/** Similar questions share one cell: one per line, or separated by |, ｜ or ；. */
export function splitSimilar(cell: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const part of cell.split(/\r\n|\r|\n|\||｜|；/)) {
    const s = part.trim();
    if (s && !seen.has(s)) {
      seen.add(s);
      out.push(s);
    }
  }
  return out;
}

/** 是/否/true/false/1/0 (and a few spellings of each); empty means yes. Null when unreadable. */
export function parseEnabled(cell: string | undefined): boolean | null {
  const v = (cell ?? '').trim().toLowerCase();
  if (v === '' || ['是', 'true', '1', 'yes', 'y', '启用', '开启', 'on'].includes(v)) return true;
  if (['否', 'false', '0', 'no', 'n', '停用', '禁用', '关闭', 'off'].includes(v)) return false;
  return null;
}

function recordCells(r: FaqFileRecord): string[] {
  return [r.category, r.question, r.similarQuestions.join('\n'), r.answer, r.enabled ? '是' : '否'];
}

function csvField(v: string): string {
  return /[",\r\n]/.test(v) || /^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** CSV with a UTF-8 BOM so Excel opens Chinese text correctly; CRLF line ends as Excel writes them. */
export function writeCsv(records: FaqFileRecord[]): Buffer {
  const lines = [COLUMN_ORDER.map((c) => csvField(FAQ_HEADERS[c])).join(',')];
  for (const r of records) lines.push(recordCells(r).map((v) => csvField(guardCsvCell(v))).join(','));
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(lines.join('\r\n') + '\r\n', 'utf8')]);
}

export async function writeXlsx(records: FaqFileRecord[]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'imbridge';
  const sheet = wb.addWorksheet('FAQ');
  sheet.columns = COLUMN_ORDER.map((c) => ({ header: FAQ_HEADERS[c], key: c, width: c === 'answer' ? 60 : c === 'enabled' ? 10 : c === 'category' ? 14 : 36 }));
  sheet.getRow(1).font = { bold: true };
  for (const r of records) {
    const row = sheet.addRow(recordCells(r));
    row.alignment = { wrapText: true, vertical: 'top' };
  }
  sheet.views = [{ state: 'frozen', ySplit: 1 }];
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export const TEMPLATE_RECORDS: FaqFileRecord[] = [
  {
    category: '物流',
    question: '什么时候发货？',
    similarQuestions: ['多久能发货', '下单后几天发货', '今天下单今天能发吗'],
    answer: '工作日 16:00 前付款的订单当天发货，其余次日发货。',
    enabled: true,
  },
  {
    category: '售后',
    question: '怎么申请退款？',
    similarQuestions: ['退款怎么操作', '我要退钱'],
    answer: '在「我的订单」中选择订单，点击「申请退款」即可，1–3 个工作日原路退回。',
    enabled: true,
  },
];
