import { useState } from 'react';
import { Input, Tag } from 'antd';

export interface TagsInputProps {
  id?: string;
  value?: string[];
  onChange?: (value: string[]) => void;
  placeholder?: string;
  'aria-label'?: string;
  status?: '' | 'error' | 'warning';
}

interface TagsInputOptions {
  /** What splits typed or pasted text into tags; typing one of them adds the draft at once. */
  separators: RegExp;
  /** Single-line inputs drop line breaks from a paste, so catch multi-line pastes and split them first. */
  splitPastedLines?: boolean;
  testId?: string;
}

/** A list of strings edited as closable tags: Enter, a separator or blur adds; Backspace on an empty draft removes the last. */
export function TagsInput({ id, value = [], onChange, placeholder, status, separators, splitPastedLines, testId, ...rest }: TagsInputProps & TagsInputOptions) {
  const [draft, setDraft] = useState('');

  const add = (raw: string) => {
    const fresh = raw
      .split(separators)
      .map((k) => k.trim())
      .filter((k) => k && !value.includes(k));
    const unique = [...new Set(fresh)];
    if (unique.length) onChange?.([...value, ...unique]);
    setDraft('');
  };

  return (
    <div className="tags-input">
      {value.length > 0 && (
        <div className="tags-input__tags" data-testid={testId}>
          {value.map((item) => (
            <Tag
              key={item}
              closable
              onClose={(e) => {
                e.preventDefault();
                onChange?.(value.filter((k) => k !== item));
              }}
            >
              {item}
            </Tag>
          ))}
        </div>
      )}
      <Input
        id={id}
        aria-label={rest['aria-label']}
        status={status}
        value={draft}
        placeholder={placeholder}
        onChange={(e) => {
          const next = e.target.value;
          if (separators.test(next)) add(next);
          else setDraft(next);
        }}
        onPaste={
          splitPastedLines
            ? (e) => {
                const text = e.clipboardData.getData('text');
                if (/\r?\n/.test(text)) {
                  e.preventDefault();
                  add(draft + text);
                }
              }
            : undefined
        }
        onPressEnter={(e) => {
          e.preventDefault();
          add(draft);
        }}
        onBlur={() => draft.trim() && add(draft)}
        onKeyDown={(e) => {
          if (e.key === 'Backspace' && draft === '' && value.length > 0) onChange?.(value.slice(0, -1));
        }}
      />
    </div>
  );
}
