import { markdownToPlainText } from './wecom-text';

describe('markdownToPlainText', () => {
  it('renders the usual markdown as readable text', () => {
    const md = [
      '# 订单状态',
      '',
      '您的订单 **已发货**，请注意*查收*。',
      '',
      '## 明细',
      '* 商品：`A-100`',
      '+ 数量：2',
      '1. 第一步',
      '- 查看 [物流详情](https://example.com/track?id=1)',
      '> 温馨提示：<font color="warning">请勿泄露验证码</font>',
      '',
      '```json',
      '{"a": 1}',
      '```',
      '~~旧价格~~ __新价格__',
    ].join('\n');
    expect(markdownToPlainText(md)).toBe(
      [
        '订单状态',
        '',
        '您的订单 已发货，请注意查收。',
        '',
        '明细',
        '- 商品：A-100',
        '- 数量：2',
        '1. 第一步',
        '- 查看 物流详情 (https://example.com/track?id=1)',
        '温馨提示：请勿泄露验证码',
        '',
        '{"a": 1}',
        '旧价格 新价格',
      ].join('\n'),
    );
  });

  it('keeps snake_case words, arithmetic and bare URLs intact', () => {
    expect(markdownToPlainText('use user_id and 2 * 3 * 4 at https://a.example/x_y_z')).toBe('use user_id and 2 * 3 * 4 at https://a.example/x_y_z');
  });

  it('renders images and autolinks, collapses blank lines, trims', () => {
    expect(markdownToPlainText('\n\n![logo](https://x/l.png)\n\n\n\n<https://x/y>\n\n')).toBe('logo (https://x/l.png)\n\nhttps://x/y');
  });
});
