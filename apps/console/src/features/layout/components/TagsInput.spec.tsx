import { useState, type ReactNode } from 'react';
import { fireEvent, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderWithProviders } from '../../../test/render';
import { SimilarQuestionsInput } from '../../faq/components/SimilarQuestionsInput';
import { KeywordTagsInput } from '../../keywordRules/components/KeywordTagsInput';
import type { TagsInputProps } from './TagsInput';

function Harness({ Input, initial = [] }: { Input: (props: TagsInputProps) => ReactNode; initial?: string[] }) {
  const [value, setValue] = useState<string[]>(initial);
  return (
    <>
      <Input aria-label="tags" value={value} onChange={setValue} />
      <output data-testid="value">{JSON.stringify(value)}</output>
    </>
  );
}

const value = () => JSON.parse(screen.getByTestId('value').textContent ?? '[]') as string[];
const input = () => screen.getByLabelText('tags');

describe('tags inputs', () => {
  it('keywords split on ASCII and full-width commas as they are typed', () => {
    renderWithProviders(<Harness Input={KeywordTagsInput} />);
    fireEvent.change(input(), { target: { value: '退款，退货,' } });
    expect(value()).toEqual(['退款', '退货']);
    expect((input() as HTMLInputElement).value).toBe('');
  });

  it('similar questions keep commas, split on ｜ and on the lines of a paste, and drop duplicates', () => {
    renderWithProviders(<Harness Input={SimilarQuestionsInput} initial={['我要退钱']} />);
    fireEvent.change(input(), { target: { value: '退款怎么操作，要多久' } });
    expect(value()).toEqual(['我要退钱']);
    fireEvent.keyDown(input(), { key: 'Enter', code: 'Enter', keyCode: 13, charCode: 13 });
    expect(value()).toEqual(['我要退钱', '退款怎么操作，要多久']);

    fireEvent.change(input(), { target: { value: '能退吗｜' } });
    expect(value()).toEqual(['我要退钱', '退款怎么操作，要多久', '能退吗']);

    fireEvent.paste(input(), { clipboardData: { getData: () => '多久到账\r\n我要退钱\n' } });
    expect(value()).toEqual(['我要退钱', '退款怎么操作，要多久', '能退吗', '多久到账']);
  });

  it('Backspace on an empty draft removes the last tag', () => {
    renderWithProviders(<Harness Input={KeywordTagsInput} initial={['a', 'b']} />);
    fireEvent.keyDown(input(), { key: 'Backspace' });
    expect(value()).toEqual(['a']);
  });
});
