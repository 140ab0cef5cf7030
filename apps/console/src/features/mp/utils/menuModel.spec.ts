import { describe, expect, it } from 'vitest';
import type { I18nText, MpMenu } from '@imbridge/contracts';
import { draftOf, menuOf, menuProblems, move, newButton, normalizeField, placedFields, sameMenu } from './menuModel';

const text = (rule: string): I18nText => ({ zh: rule, en: rule });

const menu: MpMenu = {
  button: [
    { name: '今日歌曲', type: 'click', key: 'V1001_TODAY_MUSIC' },
    {
      name: '菜单',
      sub_button: [
        { name: '搜索', type: 'view', url: 'https://www.soso.com/' },
        { name: '小程序', type: 'miniprogram', url: 'https://mp.weixin.qq.com', appid: 'wx286b93c14bbf93aa', pagepath: 'pages/lunar/index' },
        { name: '图文', type: 'article_id' as never, article_id: 'ART1' } as never,
      ],
    },
  ],
};

describe('menu model', () => {
  it('round-trips a menu, keeping buttons of types it does not edit as they came', () => {
    const draft = draftOf(menu);
    expect(draft[1]!.isSubMenu).toBe(true);
    expect(draft[1]!.sub[2]!.kept).toEqual({ name: '图文', type: 'article_id', article_id: 'ART1' });
    expect(menuOf(draft)).toEqual(menu);
    expect(sameMenu(menuOf(draft), menu)).toBe(true);
  });

  it('sends only the fields of the chosen type', () => {
    const [b] = draftOf({ button: [{ name: 'A', type: 'click', key: 'K' }] });
    const asView = { ...b!, type: 'view' as const, url: ' https://example.com/x ' };
    expect(menuOf([asView])).toEqual({ button: [{ name: 'A', type: 'view', url: 'https://example.com/x' }] });
    expect(sameMenu(menuOf([asView]), { button: [{ name: 'A', type: 'click', key: 'K' }] })).toBe(false);
  });

  it('finds missing names and fields, bad URLs and empty sub-menus, named like the API’s fields', () => {
    const sub = { ...newButton(true), name: '空' };
    const view = { ...newButton(), type: 'view' as const, name: 'V', url: 'ftp://x' };
    const mini = { ...newButton(), type: 'miniprogram' as const, name: '' };
    const problems = menuProblems([sub, view, mini], text);
    expect(problems.map((p) => [p.field, p.message.zh])).toEqual([
      ['button.0.sub_button', 'subCount'],
      ['button.1.url', 'url'],
      ['button.2.name', 'name'],
      ['button.2.appid', 'appid'],
      ['button.2.pagepath', 'pagepath'],
      ['button.2.url', 'url'],
    ]);
    expect(menuProblems([newButton(), newButton(), newButton(), newButton()].map((b) => ({ ...b, name: 'x', key: 'k' })), text).map((p) => p.field)).toEqual(['button']);
  });

  it('normalizes API field names and knows which fields have an input', () => {
    expect(normalizeField('button[1].sub_button[0].url')).toBe('button.1.sub_button.0.url');
    const placed = placedFields(draftOf(menu));
    expect(placed.has('button.1.sub_button.0.url')).toBe(true);
    expect(placed.has('button.0.key')).toBe(true);
    expect(placed.has('button.0.url')).toBe(false);
    expect(placed.has('button.1.sub_button.2.name')).toBe(true);
  });

  it('moves items up and down within bounds', () => {
    expect(move([1, 2, 3], 0, 1)).toEqual([2, 1, 3]);
    expect(move([1, 2, 3], 2, -1)).toEqual([1, 3, 2]);
    expect(move([1, 2, 3], 0, -1)).toEqual([1, 2, 3]);
  });
});
