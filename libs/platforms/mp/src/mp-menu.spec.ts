import { checkMpMenu, normalizeMpMenu } from './mp-menu';

const fields = (menu: unknown): string[] => checkMpMenu(menu).map((p) => p.field);

describe('checkMpMenu (menu/create rules)', () => {
  it('accepts a full menu of every type', () => {
    const menu = {
      button: [
        { name: '今日歌曲', type: 'click', key: 'V1001_TODAY_MUSIC' },
        {
          name: '菜单',
          sub_button: [
            { name: '搜索', type: 'view', url: 'http://www.soso.com/' },
            { name: '小程序', type: 'miniprogram', url: 'https://mp.weixin.qq.com', appid: 'wx286b93c14bbf93aa', pagepath: 'pages/lunar/index' },
            { name: '扫码', type: 'scancode_waitmsg', key: 'rselfmenu_0_0' },
            { name: '拍照', type: 'pic_photo_or_album', key: 'rselfmenu_1_1' },
            { name: '位置', type: 'location_select', key: 'rselfmenu_2_0' },
          ],
        },
        { name: 'Help', type: 'view', url: 'https://example.com/help' },
      ],
    };
    expect(checkMpMenu(menu)).toEqual([]);
  });

  it('counts top buttons (1–3) and sub buttons (1–5)', () => {
    expect(fields({ button: [] })).toEqual(['button']);
    expect(fields({})).toEqual(['button']);
    expect(fields(null)).toEqual(['button']);
    const leaf = { name: 'a', type: 'click', key: 'k' };
    expect(fields({ button: [leaf, leaf, leaf, leaf] })).toEqual(['button']);
    expect(fields({ button: [{ name: 'm', sub_button: [leaf, leaf, leaf, leaf, leaf, leaf] }] })).toEqual(['button[0].sub_button']);
    expect(fields({ button: [{ name: 'm', sub_button: [leaf, leaf, leaf, leaf, leaf] }] })).toEqual([]);
  });

  it('measures names in UTF-8 bytes: 16 at the top, 60 in sub menus', () => {
    // 5 Chinese characters = 15 bytes; 6 = 18.
    expect(fields({ button: [{ name: '一二三四五', type: 'click', key: 'k' }] })).toEqual([]);
    const problems = checkMpMenu({ button: [{ name: '一二三四五六', type: 'click', key: 'k' }] });
    expect(problems).toEqual([{ field: 'button[0].name', message: { zh: expect.stringContaining('16 字节'), en: expect.stringContaining('16 bytes') } }]);
    const sub = (name: string) => ({ button: [{ name: 'm', sub_button: [{ name, type: 'click', key: 'k' }] }] });
    expect(fields(sub('一'.repeat(20)))).toEqual([]);
    expect(fields(sub('一'.repeat(21)))).toEqual(['button[0].sub_button[0].name']);
    expect(fields(sub('  '))).toEqual(['button[0].sub_button[0].name']);
  });

  it('needs a key for the key types, an http(s) url for view, appid+pagepath+url for miniprogram', () => {
    expect(fields({ button: [{ name: 'a', type: 'click' }] })).toEqual(['button[0].key']);
    expect(fields({ button: [{ name: 'a', type: 'pic_weixin', key: 'k'.repeat(129) }] })).toEqual(['button[0].key']);
    expect(fields({ button: [{ name: 'a', type: 'pic_weixin', key: 'k'.repeat(128) }] })).toEqual([]);
    expect(fields({ button: [{ name: 'a', type: 'view', url: 'ftp://x' }] })).toEqual(['button[0].url']);
    expect(fields({ button: [{ name: 'a', type: 'view', url: `https://x.cn/${'a'.repeat(1024)}` }] })).toEqual(['button[0].url']);
    expect(fields({ button: [{ name: 'a', type: 'view' }] })).toEqual(['button[0].url']);
    expect(fields({ button: [{ name: 'a', type: 'miniprogram' }] })).toEqual(['button[0].appid', 'button[0].pagepath', 'button[0].url']);
  });

  it('refuses unknown types, a missing type, type + sub menu, and a third level', () => {
    const unknown = checkMpMenu({ button: [{ name: 'a', type: 'media_id', media_id: 'x' }] });
    expect(unknown.map((p) => p.field)).toEqual(['button[0].type']);
    expect(unknown[0]?.message.zh).toContain('不支持的菜单类型');
    expect(fields({ button: [{ name: 'a' }] })).toEqual(['button[0].type']);
    expect(fields({ button: [{ name: 'a', type: 'click', key: 'k', sub_button: [{ name: 'b', type: 'click', key: 'k' }] }] })).toEqual(['button[0].type']);
    expect(
      fields({ button: [{ name: 'a', sub_button: [{ name: 'b', type: 'click', key: 'k', sub_button: [{ name: 'c', type: 'click', key: 'k' }] }] }] }),
    ).toEqual(['button[0].sub_button[0].sub_button']);
    expect(fields({ button: [{ name: 'a', sub_button: 'x' }] })).toEqual(['button[0].sub_button']);
    expect(fields({ button: ['x'] })).toEqual(['button[0]']);
  });

  it('names every problem with its path, e.g. button[1].sub_button[0].url', () => {
    const problems = checkMpMenu({
      button: [
        { name: 'ok', type: 'click', key: 'k' },
        { name: 'm', sub_button: [{ name: 'w', type: 'view', url: 'nope' }, { name: '', type: 'click', key: 'k' }] },
      ],
    });
    expect(problems.map((p) => p.field)).toEqual(['button[1].sub_button[0].url', 'button[1].sub_button[1].name']);
    for (const p of problems) {
      expect(p.message.zh).toMatch(/[\u4e00-\u9fff]/);
      expect(p.message.en).toMatch(/[a-z]/);
    }
  });
});

describe('normalizeMpMenu', () => {
  it('trims strings, drops empty optional fields, empty sub menus and unknown fields', () => {
    expect(
      normalizeMpMenu({
        button: [
          { name: ' 搜索 ', type: 'view', url: ' https://x.cn ', key: '', sub_button: [], extra: 1 },
          { name: 'm', type: '', sub_button: [{ name: ' a ', type: 'click', key: ' k ' }] },
        ],
      }),
    ).toEqual({
      button: [
        { name: '搜索', type: 'view', url: 'https://x.cn' },
        { name: 'm', sub_button: [{ name: 'a', type: 'click', key: 'k' }] },
      ],
    });
  });

  it('leaves what is not a menu to checkMpMenu', () => {
    expect(normalizeMpMenu('x')).toBe('x');
    expect(normalizeMpMenu({ button: 'x' })).toEqual({ button: 'x' });
    expect(normalizeMpMenu({ button: [7] })).toEqual({ button: [7] });
  });
});
