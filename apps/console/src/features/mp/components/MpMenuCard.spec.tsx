import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { MpMenu, MpMenuView } from '@imbridge/contracts';
import { describe, expect, it } from 'vitest';
import { mockFetch, renderWithProviders, type MockRoute } from '../../../test/render';
import { MpMenuCard } from './MpMenuCard';

const base = '/api/integrations/int-mp/mp/menu';

const published: MpMenu = {
  button: [
    { name: '今日歌曲', type: 'click', key: 'V1001_TODAY_MUSIC' },
    {
      name: '菜单',
      sub_button: [
        { name: '搜索', type: 'view', url: 'https://www.soso.com/' },
        { name: '赞一下', type: 'click', key: 'V1001_GOOD' },
      ],
    },
  ],
};

const view = (over: Partial<MpMenuView> = {}): MpMenuView => ({ draft: null, published, publishedAt: '2026-11-20T08:00:00.000Z', canPublish: true, platformError: null, ...over });

function render(routes: MockRoute[], lang: 'zh' | 'en' = 'zh') {
  const mocked = mockFetch(routes);
  renderWithProviders(<MpMenuCard integrationId="int-mp" />, { lang });
  return mocked;
}

const input = (label: string) => screen.getByLabelText(label) as HTMLInputElement;
const loaded = () => screen.findByTestId('mp-menu-editor');

/** Picks an option of the antd Select labelled `label`. */
async function choose(label: string, option: string) {
  const select = screen.getByLabelText(label);
  fireEvent.mouseDown(select.closest('.ant-select')?.querySelector('.ant-select-selector') ?? select);
  const found = await waitFor(() => {
    const item = Array.from(document.querySelectorAll('.ant-select-item-option')).find((o) => o.textContent === option);
    if (!item) throw new Error(`no option ${option}`);
    return item as HTMLElement;
  });
  fireEvent.click(found);
}

describe('MpMenuCard', () => {
  it('loads the live menu into the editor with its state, publish time and a preview', async () => {
    render([{ path: base, body: view() }]);
    await loaded();
    expect(screen.getByTestId('mp-menu-state').textContent).toBe('已发布');
    expect(screen.getByTestId('mp-menu-published-at').textContent).toContain('发布于');
    expect(screen.getAllByTestId('mp-menu-top')).toHaveLength(2);
    expect(screen.getAllByTestId('mp-menu-sub')).toHaveLength(2);
    expect(input('菜单 1 的名称').value).toBe('今日歌曲');
    expect(input('菜单 1 的 key').value).toBe('V1001_TODAY_MUSIC');
    expect(input('菜单 2-1 的网址').value).toBe('https://www.soso.com/');
    expect(input('菜单 2-2 的 key').value).toBe('V1001_GOOD');
    expect(screen.getAllByTestId('mp-menu-preview-button').map((b) => b.textContent)).toEqual(['今日歌曲', '≡ 菜单']);
    expect(screen.queryByTestId('mp-menu-dirty')).toBeNull();
  });

  it('shows an unpublished draft, the platform error, and the English texts', async () => {
    const draft: MpMenu = { button: [{ name: 'Shop', type: 'view', url: 'https://shop.example.com/' }] };
    render([{ path: base, body: view({ draft, platformError: { code: 'PLATFORM_ERROR', message: { zh: '菜单接口不可用', en: 'menu/get failed' } } }) }], 'en');
    await loaded();
    expect(screen.getByTestId('mp-menu-state').textContent).toBe('Draft not published');
    expect(input('Name of button 1').value).toBe('Shop');
    const error = screen.getByTestId('mp-menu-platform-error');
    expect(error.textContent).toContain('Could not fetch the live menu from WeChat (PLATFORM_ERROR)');
    expect(error.textContent).toContain('menu/get failed');
  });

  it('adds, removes, reorders and switches types; saves only the fields each type uses', async () => {
    const saved = view({ draft: { button: [{ name: '官网', type: 'view', url: 'https://example.com/' }] } });
    const { calls } = render([
      { path: base, body: view({ published: { button: [{ name: '今日歌曲', type: 'click', key: 'V1001_TODAY_MUSIC' }] } }) },
      { method: 'PUT', path: base, body: saved },
    ]);
    await loaded();
    fireEvent.click(screen.getByTestId('mp-menu-add-top'));
    expect(screen.getAllByTestId('mp-menu-top')).toHaveLength(2);
    expect(screen.getByTestId('mp-menu-dirty').textContent).toBe('有未保存的修改');
    fireEvent.change(input('菜单 2 的名称'), { target: { value: '官网' } });
    await choose('菜单 2 的动作', '跳转网页');
    expect(screen.queryByLabelText('菜单 2 的 key')).toBeNull();
    fireEvent.change(input('菜单 2 的网址'), { target: { value: 'https://example.com/' } });

    // A third button as a sub-menu, then removed again.
    fireEvent.click(screen.getByTestId('mp-menu-add-top'));
    expect((screen.getByTestId('mp-menu-add-top') as HTMLButtonElement).disabled).toBe(true);
    const third = screen.getAllByTestId('mp-menu-top')[2]!;
    fireEvent.click(Array.from(third.querySelectorAll('label')).find((l) => l.textContent === '展开子菜单')!.querySelector('input')!);
    expect(within(third).getAllByTestId('mp-menu-sub')).toHaveLength(1);
    fireEvent.click(within(third).getByTestId('mp-menu-add-sub-2'));
    expect(within(third).getAllByTestId('mp-menu-sub')).toHaveLength(2);
    fireEvent.click(screen.getByLabelText('删除 3'));
    expect(screen.getAllByTestId('mp-menu-top')).toHaveLength(2);

    // Move the new button first.
    fireEvent.click(screen.getByLabelText('上移 2'));
    expect(input('菜单 1 的名称').value).toBe('官网');
    expect(screen.getAllByTestId('mp-menu-preview-button').map((b) => b.textContent)).toEqual(['官网', '今日歌曲']);

    fireEvent.click(screen.getByTestId('mp-menu-save'));
    await waitFor(() => expect(calls.some((c) => c.method === 'PUT')).toBe(true));
    expect(calls.find((c) => c.method === 'PUT')!.body).toEqual({
      button: [
        { name: '官网', type: 'view', url: 'https://example.com/' },
        { name: '今日歌曲', type: 'click', key: 'V1001_TODAY_MUSIC' },
      ],
    });
    // The saved draft replaces the editor's content.
    await waitFor(() => expect(screen.getAllByTestId('mp-menu-top')).toHaveLength(1));
    expect(screen.getByTestId('mp-menu-state').textContent).toBe('草稿未发布');
    expect(await screen.findByText('菜单草稿已保存')).toBeTruthy();
  });

  it('checks names and required fields before saving', async () => {
    const { calls } = render([{ path: base, body: view({ published: null, publishedAt: null }) }]);
    await loaded();
    expect(screen.getByTestId('mp-menu-state').textContent).toBe('尚未设置菜单');
    fireEvent.click(screen.getByTestId('mp-menu-add-top'));
    fireEvent.click(screen.getByTestId('mp-menu-save'));
    expect((await screen.findByTestId('mp-field-error-button.0.name')).textContent).toBe('请填写名称');
    expect(screen.getByTestId('mp-field-error-button.0.key').textContent).toBe('请填写 key');
    expect(screen.getByTestId('mp-menu-error').textContent).toContain('请先修正标出的问题');
    expect(calls.some((c) => c.method === 'PUT')).toBe(false);
  });

  it('shows the API’s field errors next to the right input, and the rest in the summary', async () => {
    render([
      { path: base, body: view() },
      {
        method: 'PUT',
        path: base,
        status: 400,
        body: {
          statusCode: 400,
          code: 'VALIDATION_FAILED',
          message: 'Invalid menu',
          messageZh: '菜单无效',
          details: [
            { field: 'button[1].sub_button[0].url', message: { zh: '网址不能超过 1024 字节', en: 'The URL is at most 1024 bytes' } },
            { field: 'button[0].name', message: { zh: '一级菜单名称不能超过 16 字节', en: 'Top button names are at most 16 bytes' } },
            { field: 'button[0].media_id', message: { zh: '不支持的字段', en: 'Unsupported field' } },
          ],
        },
      },
    ]);
    await loaded();
    fireEvent.change(input('菜单 1 的名称'), { target: { value: '今日歌曲今日歌曲今日歌曲' } });
    fireEvent.click(screen.getByTestId('mp-menu-save'));
    const urlError = await screen.findByTestId('mp-field-error-button.1.sub_button.0.url');
    expect(urlError.textContent).toBe('网址不能超过 1024 字节');
    // Next to the sub-button's URL input, inside that sub-button's card.
    expect(urlError.closest('[data-path="button.1.sub_button.0"]')).toBeTruthy();
    expect(screen.getByTestId('mp-field-error-button.0.name').closest('[data-path="button.0"]')).toBeTruthy();
    const summary = screen.getByTestId('mp-menu-error');
    expect(summary.textContent).toContain('保存失败: 菜单无效');
    expect(summary.textContent).toContain('button.0.media_id: 不支持的字段');
  });

  it('cannot publish without the menu API: disabled with the reason', async () => {
    render([{ path: base, body: view({ canPublish: false }) }]);
    await loaded();
    expect((screen.getByTestId('mp-menu-publish') as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId('mp-menu-cannot-publish').textContent).toContain('未认证的订阅号没有自定义菜单接口权限');
    // Editing and saving drafts stays possible.
    expect((screen.getByTestId('mp-menu-save') as HTMLButtonElement).disabled).toBe(false);
  });

  it('publishes after confirming, saving unsaved edits first', async () => {
    const edited: MpMenu = { button: [{ name: '今日新歌', type: 'click', key: 'V1001_TODAY_MUSIC' }, published.button[1]!] };
    const { calls } = render([
      { path: base, body: view({ draft: published }) },
      { method: 'PUT', path: base, body: view({ draft: edited }) },
      { method: 'POST', path: `${base}/publish`, body: view({ draft: edited, published: edited, publishedAt: '2026-11-21T10:00:00.000Z' }) },
    ]);
    await loaded();
    fireEvent.change(input('菜单 1 的名称'), { target: { value: '今日新歌' } });
    fireEvent.click(screen.getByTestId('mp-menu-publish'));
    fireEvent.click(await screen.findByTestId('mp-menu-publish-confirm'));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.path === `${base}/publish`)).toBe(true));
    const order = calls.filter((c) => c.method !== 'GET').map((c) => c.method);
    expect(order).toEqual(['PUT', 'POST']);
    expect(calls.find((c) => c.method === 'PUT')!.body).toEqual(edited);
    await waitFor(() => expect(screen.getByTestId('mp-menu-state').textContent).toBe('已发布'));
    expect(await screen.findByText('菜单已发布')).toBeTruthy();
  });

  it('shows a publish failure in the current language', async () => {
    render([
      { path: base, body: view() },
      { method: 'POST', path: `${base}/publish`, status: 502, body: { statusCode: 502, code: 'PLATFORM_ERROR', message: 'api unauthorized', messageZh: '没有菜单接口权限' } },
    ]);
    await loaded();
    fireEvent.click(screen.getByTestId('mp-menu-publish'));
    fireEvent.click(await screen.findByTestId('mp-menu-publish-confirm'));
    expect((await screen.findByTestId('mp-menu-error')).textContent).toContain('发布失败: 没有菜单接口权限');
  });
});
