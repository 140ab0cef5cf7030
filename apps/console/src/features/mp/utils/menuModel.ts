import { MP_MENU_BUTTON_TYPES, type I18nText, type MpMenu, type MpMenuButton, type MpMenuButtonType } from '@imbridge/contracts';

export const MENU_MAX_TOP = 3;
export const MENU_MAX_SUB = 5;

/** Which fields a button type needs (menu/create). */
export const TYPE_FIELDS: Record<MpMenuButtonType, ReadonlyArray<'key' | 'url' | 'appid' | 'pagepath'>> = {
  click: ['key'],
  view: ['url'],
  scancode_push: ['key'],
  scancode_waitmsg: ['key'],
  pic_sysphoto: ['key'],
  pic_photo_or_album: ['key'],
  pic_weixin: ['key'],
  location_select: ['key'],
  miniprogram: ['appid', 'pagepath', 'url'],
};

export const isEditableType = (type: unknown): type is MpMenuButtonType => (MP_MENU_BUTTON_TYPES as readonly unknown[]).includes(type);

/** One button while editing: every field kept (switching the type back restores what was typed). */
export interface DraftButton {
  /** Stable React key. */
  id: number;
  name: string;
  /** Top buttons only: a sub-menu instead of an action. */
  isSubMenu: boolean;
  type: MpMenuButtonType;
  key: string;
  url: string;
  appid: string;
  pagepath: string;
  sub: DraftButton[];
  /** A button of a type the console does not edit (media_id, article_id …): sent back as it came. */
  kept: MpMenuButton | null;
}

let nextId = 1;

export function newButton(isSubMenu = false): DraftButton {
  return { id: nextId++, name: '', isSubMenu, type: 'click', key: '', url: '', appid: '', pagepath: '', sub: [], kept: null };
}

function draftButton(b: MpMenuButton, top: boolean): DraftButton {
  const isSubMenu = top && Array.isArray(b.sub_button) && (b.sub_button.length > 0 || !b.type);
  const kept = !isSubMenu && b.type !== undefined && !isEditableType(b.type) ? b : null;
  return {
    id: nextId++,
    name: b.name ?? '',
    isSubMenu,
    type: isEditableType(b.type) ? b.type : 'click',
    key: b.key ?? '',
    url: b.url ?? '',
    appid: b.appid ?? '',
    pagepath: b.pagepath ?? '',
    sub: isSubMenu ? (b.sub_button ?? []).map((s) => draftButton(s, false)) : [],
    kept,
  };
}

export function draftOf(menu: MpMenu | null | undefined): DraftButton[] {
  return (menu?.button ?? []).map((b) => draftButton(b, true));
}

function buttonOf(d: DraftButton): MpMenuButton {
  if (d.kept) return { ...d.kept, name: d.name };
  if (d.isSubMenu) return { name: d.name, sub_button: d.sub.map(buttonOf) };
  const out: MpMenuButton = { name: d.name, type: d.type };
  for (const field of TYPE_FIELDS[d.type]) out[field] = d[field].trim();
  return out;
}

/** The PUT body: only the fields each button's type uses. */
export function menuOf(buttons: DraftButton[]): MpMenu {
  return { button: buttons.map(buttonOf) };
}

/** Same menu, ignoring key order and empty sub-menus' absence. */
export function sameMenu(a: MpMenu | null | undefined, b: MpMenu | null | undefined): boolean {
  const norm = (m: MpMenu | null | undefined) => JSON.stringify(menuOf(draftOf(m)).button.map(sortKeys));
  return norm(a) === norm(b);
}

function sortKeys(b: MpMenuButton): unknown {
  const entries = Object.entries(b)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => [k, k === 'sub_button' ? (v as MpMenuButton[]).map(sortKeys) : v] as const);
  return Object.fromEntries(entries.sort(([x], [y]) => (x < y ? -1 : 1)));
}

/** `button[1].sub_button[0].url` → `button.1.sub_button.0.url`: one spelling for both. */
export const normalizeField = (field: string) => field.replace(/\[(\d+)\]/g, '.$1');

/** The field path of a button: `button.0` or `button.0.sub_button.2`. */
export const buttonPath = (top: number, sub?: number) => (sub === undefined ? `button.${top}` : `button.${top}.sub_button.${sub}`);

/** "1" or "1-3": how a button is named in labels. */
export const buttonLabel = (top: number, sub?: number) => (sub === undefined ? `${top + 1}` : `${top + 1}-${sub + 1}`);

const HTTP_URL = /^https?:\/\/\S+$/i;

export interface MenuProblem {
  field: string;
  message: I18nText;
}

type Rule = 'name' | 'topCount' | 'subCount' | 'key' | 'url' | 'appid' | 'pagepath';
type RuleText = (rule: Rule) => I18nText;

/**
 * What the console can tell before saving (the API checks lengths and bytes too): names, the fields
 * each type needs, and the button counts. Fields are named like the API's (`button.0.sub_button.1.url`).
 */
export function menuProblems(buttons: DraftButton[], text: RuleText): MenuProblem[] {
  const problems: MenuProblem[] = [];
  if (buttons.length > MENU_MAX_TOP) problems.push({ field: 'button', message: text('topCount') });
  const check = (d: DraftButton, path: string) => {
    if (!d.name.trim()) problems.push({ field: `${path}.name`, message: text('name') });
    if (d.kept) return;
    if (d.isSubMenu) {
      if (d.sub.length === 0 || d.sub.length > MENU_MAX_SUB) problems.push({ field: `${path}.sub_button`, message: text('subCount') });
      return;
    }
    for (const field of TYPE_FIELDS[d.type]) {
      const value = d[field].trim();
      // miniprogram needs its fallback page too (old clients open it).
      if (field === 'url') {
        if (!HTTP_URL.test(value)) problems.push({ field: `${path}.url`, message: text('url') });
      } else if (!value) problems.push({ field: `${path}.${field}`, message: text(field) });
    }
  };
  buttons.forEach((b, i) => {
    check(b, buttonPath(i));
    if (b.isSubMenu) b.sub.forEach((s, j) => check(s, buttonPath(i, j)));
  });
  return problems;
}

/** Every field path that has an input (or a place) in the editor for these buttons. */
export function placedFields(buttons: DraftButton[]): Set<string> {
  const placed = new Set<string>(['button']);
  const add = (d: DraftButton, path: string) => {
    placed.add(path);
    placed.add(`${path}.name`);
    if (d.kept) return;
    if (d.isSubMenu) placed.add(`${path}.sub_button`);
    else [`${path}.type`, ...TYPE_FIELDS[d.type].map((f) => `${path}.${f}`)].forEach((f) => placed.add(f));
  };
  buttons.forEach((b, i) => {
    add(b, buttonPath(i));
    if (b.isSubMenu) b.sub.forEach((s, j) => add(s, buttonPath(i, j)));
  });
  return placed;
}

/** Moves item `index` by `delta` (−1 up, +1 down). */
export function move<T>(list: T[], index: number, delta: number): T[] {
  const target = index + delta;
  if (target < 0 || target >= list.length) return list;
  const next = [...list];
  [next[index], next[target]] = [next[target]!, next[index]!];
  return next;
}
