import { ApiError } from '../common/api-error';
import { ANSWER_LIMITS, validateAnswer } from './answer-validation';

function refusal(raw: unknown): { code: string; field: string } {
  try {
    validateAnswer(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    const body = (err as ApiError).getResponse() as { code: string; details: { field: string }; messageZh: string };
    expect(body.messageZh).toBeTruthy();
    return { code: body.code, field: body.details.field };
  }
  throw new Error('expected a refusal');
}

describe('validateAnswer', () => {
  it('returns a valid answer unchanged (typed)', () => {
    const answer = {
      text: '**你好** 00123',
      images: [{ url: 'https://example.com/a.png', alt: '图' }, { url: 'http://example.com/b.png' }],
      links: [{ title: '帮助', url: 'https://example.com/h', description: '说明' }],
    };
    expect(validateAnswer(answer)).toEqual(answer);
    expect(validateAnswer({ text: 'x'.repeat(ANSWER_LIMITS.textChars) }).text).toHaveLength(20_000);
  });

  it('names the offending field', () => {
    expect(refusal(null)).toEqual({ code: 'INVALID_ANSWER', field: 'answer.' });
    expect(refusal({ text: 1 })).toEqual({ code: 'INVALID_ANSWER', field: 'answer.text' });
    expect(refusal({ images: [{ url: 'https://example.com/a.png' }, { url: 'data:image/png;base64,AAAA' }] })).toEqual({ code: 'INVALID_ANSWER', field: 'answer.images[1].url' });
    expect(refusal({ images: [{ url: 'https://example.com/a.png', onload: 'x' }] })).toEqual({ code: 'INVALID_ANSWER', field: 'answer.images[0].onload' });
    expect(refusal({ links: [{ title: 't', url: 'not a url' }] })).toEqual({ code: 'INVALID_ANSWER', field: 'answer.links[0].url' });
    expect(refusal({ links: [{ title: 't', url: 'https://example.com', description: 'd'.repeat(501) }] })).toEqual({ code: 'INVALID_ANSWER', field: 'answer.links[0].description' });
    expect(refusal({ links: 'x' })).toEqual({ code: 'INVALID_ANSWER', field: 'answer.links' });
    expect(refusal({ text: '', images: [], links: [] })).toEqual({ code: 'EMPTY_ANSWER', field: 'answer' });
  });

  it('enforces the caps: 9 images, 32 links, long URLs', () => {
    const img = { url: 'https://example.com/a.png' };
    expect(validateAnswer({ images: Array(9).fill(img) }).images).toHaveLength(9);
    expect(refusal({ images: Array(10).fill(img) }).field).toBe('answer.images');
    const link = { title: 't', url: 'https://example.com' };
    expect(validateAnswer({ links: Array(32).fill(link) }).links).toHaveLength(32);
    expect(refusal({ links: Array(33).fill(link) }).field).toBe('answer.links');
    expect(refusal({ images: [{ url: `https://example.com/${'a'.repeat(2048)}` }] }).field).toBe('answer.images[0].url');
  });
});
