import { MP_MENU_BUTTON_TYPES, type FieldProblem, type MpMenu } from '@imbridge/contracts';

/**
 * The custom menu rules of menu/create (current documentation; the simulator checks the same):
 * 1–3 top buttons, 1–5 sub buttons, names ≤ 16 bytes at the top and ≤ 60 bytes in a sub menu, keys
 * ≤ 128 bytes, urls ≤ 1024 bytes (http or https).
 */
export const MP_MENU_RULES = { topButtons: 3, subButtons: 5, topNameBytes: 16, subNameBytes: 60, keyBytes: 128, urlBytes: 1024 } as const;

/** Types whose button carries a `key` (the EventKey of the event it pushes). */
export const MP_MENU_KEY_TYPES: readonly string[] = [
  'click',
  'scancode_push',
  'scancode_waitmsg',
  'pic_sysphoto',
  'pic_photo_or_album',
  'pic_weixin',
  'location_select',
];

/** The string fields a button may carry besides `sub_button`. */
const BUTTON_STRING_FIELDS = ['name', 'type', 'key', 'url', 'appid', 'pagepath'] as const;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const utf8Bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/**
 * A menu as the console sends it, cleaned: strings trimmed, empty optional fields and empty
 * `sub_button` arrays dropped, unknown fields dropped. Anything that is not a menu shape is returned
 * as it is (checkMpMenu then says what is wrong).
 */
export function normalizeMpMenu(menu: unknown): unknown {
  if (!isRecord(menu) || !Array.isArray(menu['button'])) return menu;
  return { button: menu['button'].map((b) => normalizeButton(b, true)) };
}

function normalizeButton(button: unknown, top: boolean): unknown {
  if (!isRecord(button)) return button;
  const out: Record<string, unknown> = {};
  for (const field of BUTTON_STRING_FIELDS) {
    const v = button[field];
    if (typeof v === 'string') {
      const trimmed = v.trim();
      // The name stays even when empty: checkMpMenu names the problem.
      if (trimmed !== '' || field === 'name') out[field] = trimmed;
    } else if (v !== undefined && v !== null) {
      out[field] = v;
    }
  }
  const subs = button['sub_button'];
  if (Array.isArray(subs)) {
    if (subs.length > 0) out['sub_button'] = top ? subs.map((s) => normalizeButton(s, false)) : subs;
  } else if (subs !== undefined && subs !== null) {
    out['sub_button'] = subs;
  }
  return out;
}

/**
 * The problems of a menu for menu/create, with zh/en messages and field paths such as
 * `button[1].sub_button[0].url`; empty when WeChat would accept it.
 */
export function checkMpMenu(menu: unknown): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const add = (field: string, en: string, zh: string): void => void problems.push({ field, message: { zh, en } });
  if (!isRecord(menu) || !Array.isArray(menu['button'])) {
    add('button', 'the menu needs a list of buttons', '菜单需包含按钮列表（button）');
    return problems;
  }
  const buttons = menu['button'] as unknown[];
  if (buttons.length < 1 || buttons.length > MP_MENU_RULES.topButtons) {
    add('button', `a menu has 1 to ${MP_MENU_RULES.topButtons} top-level buttons`, `一级菜单需为 1 到 ${MP_MENU_RULES.topButtons} 个`);
  }
  buttons.forEach((b, i) => {
    const at = `button[${i}]`;
    if (!isRecord(b)) {
      add(at, 'a button must be an object', '按钮格式不正确');
      return;
    }
    checkName(b['name'], at, MP_MENU_RULES.topNameBytes, false, add);
    const subs = b['sub_button'];
    if (subs !== undefined && subs !== null && !Array.isArray(subs)) {
      add(`${at}.sub_button`, 'sub_button must be a list', '子菜单（sub_button）需为列表');
      return;
    }
    if (Array.isArray(subs) && subs.length > 0) {
      if (b['type'] !== undefined && b['type'] !== null && b['type'] !== '') {
        add(`${at}.type`, 'a button with a sub menu has no type of its own: remove the type or the sub menu', '含子菜单的一级菜单不能再设置类型：请删除类型或子菜单');
      }
      if (subs.length > MP_MENU_RULES.subButtons) {
        add(`${at}.sub_button`, `a sub menu has 1 to ${MP_MENU_RULES.subButtons} buttons`, `二级菜单需为 1 到 ${MP_MENU_RULES.subButtons} 个`);
      }
      subs.forEach((s: unknown, j) => {
        const subAt = `${at}.sub_button[${j}]`;
        if (!isRecord(s)) {
          add(subAt, 'a button must be an object', '按钮格式不正确');
          return;
        }
        checkName(s['name'], subAt, MP_MENU_RULES.subNameBytes, true, add);
        if (Array.isArray(s['sub_button']) && s['sub_button'].length > 0) {
          add(`${subAt}.sub_button`, 'menus have two levels only: a sub menu button cannot have buttons of its own', '菜单最多两级：二级菜单不能再包含子菜单');
        }
        checkLeaf(s, subAt, add);
      });
      return;
    }
    checkLeaf(b, at, add);
  });
  return problems;
}

type Add = (field: string, en: string, zh: string) => void;

function checkName(name: unknown, at: string, maxBytes: number, sub: boolean, add: Add): void {
  const level = sub ? { en: 'a sub menu', zh: '二级菜单' } : { en: 'a top-level', zh: '一级菜单' };
  if (typeof name !== 'string' || name.trim() === '') {
    add(`${at}.name`, 'enter the button name', '请填写菜单名称');
  } else if (utf8Bytes(name) > maxBytes) {
    add(
      `${at}.name`,
      `${level.en} button name is at most ${maxBytes} bytes (UTF-8; a Chinese character is 3 bytes)`,
      `${level.zh}名称不能超过 ${maxBytes} 字节（约 ${Math.floor(maxBytes / 3)} 个汉字）`,
    );
  }
}

function checkUrl(url: unknown, field: string, add: Add): void {
  if (typeof url !== 'string' || url.trim() === '') {
    add(field, 'enter the web page URL', '请填写网页链接');
  } else if (!/^https?:\/\/\S+$/i.test(url)) {
    add(field, 'the URL must start with http:// or https://', '网页链接需以 http:// 或 https:// 开头');
  } else if (utf8Bytes(url) > MP_MENU_RULES.urlBytes) {
    add(field, `the URL is at most ${MP_MENU_RULES.urlBytes} bytes`, `网页链接不能超过 ${MP_MENU_RULES.urlBytes} 字节`);
  }
}

/** A button without a sub menu: its type and what the type needs. */
function checkLeaf(b: Record<string, unknown>, at: string, add: Add): void {
  const type = b['type'];
  if (type === undefined || type === null || type === '') {
    add(`${at}.type`, 'choose what the button does (a type) or give it a sub menu', '请选择菜单类型，或为其添加子菜单');
    return;
  }
  if (typeof type !== 'string' || !(MP_MENU_BUTTON_TYPES as readonly string[]).includes(type)) {
    add(`${at}.type`, `unknown button type; use one of ${MP_MENU_BUTTON_TYPES.join(', ')}`, `不支持的菜单类型，可选：${MP_MENU_BUTTON_TYPES.join('、')}`);
    return;
  }
  if (MP_MENU_KEY_TYPES.includes(type)) {
    const key = b['key'];
    if (typeof key !== 'string' || key.trim() === '') {
      add(`${at}.key`, 'enter the key (the EventKey the click event brings back)', '请填写菜单 KEY 值（点击事件中的 EventKey）');
    } else if (utf8Bytes(key) > MP_MENU_RULES.keyBytes) {
      add(`${at}.key`, `the key is at most ${MP_MENU_RULES.keyBytes} bytes`, `菜单 KEY 值不能超过 ${MP_MENU_RULES.keyBytes} 字节`);
    }
    return;
  }
  if (type === 'view') {
    checkUrl(b['url'], `${at}.url`, add);
    return;
  }
  // miniprogram: the mini program (appid, pagepath) and a web page for clients without mini programs.
  const appid = b['appid'];
  if (typeof appid !== 'string' || appid.trim() === '') add(`${at}.appid`, "enter the mini program's AppID", '请填写小程序的 AppID');
  const pagepath = b['pagepath'];
  if (typeof pagepath !== 'string' || pagepath.trim() === '') add(`${at}.pagepath`, "enter the mini program's page path", '请填写小程序的页面路径');
  checkUrl(b['url'], `${at}.url`, add);
}

/** A menu that passed checkMpMenu, typed. */
export function asMpMenu(menu: unknown): MpMenu {
  const problems = checkMpMenu(menu);
  if (problems.length > 0) throw new Error(`not a valid menu: ${problems.map((p) => `${p.field} ${p.message.en}`).join('; ')}`);
  return menu as MpMenu;
}
