import { useState } from 'react';
import { Input, Tag } from 'antd';

interface KeywordTagsInputProps {
  id?: string;
  value?: string[];
  onChange?: (value: string[]) => void;
  placeholder?: string;
  'aria-label'?: string;
  status?: '' | 'error' | 'warning';
}

/** Keywords as tags: Enter (or a comma, or blur) adds what was typed; pasted lines become separate tags. */
export function KeywordTagsInput({ id, value = [], onChange, placeholder, status, ...rest }: KeywordTagsInputProps) {
  const [draft, setDraft] = useState('');

  const add = (raw: string) => {
    const fresh = raw
      .split(/[\n,，]/)
      .map((k) => k.trim())
      .filter((k) => k && !value.includes(k));
    const unique = [...new Set(fresh)];
    if (unique.length) onChange?.([...value, ...unique]);
    setDraft('');
  };

  return (
    <div className="tags-input">
      {value.length > 0 && (
        <div className="tags-input__tags" data-testid="keyword-tags">
          {value.map((keyword) => (
            <Tag
              key={keyword}
              closable
              onClose={(e) => {
                e.preventDefault();
                onChange?.(value.filter((k) => k !== keyword));
              }}
            >
              {keyword}
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
          if (/[,，\n]/.test(next)) add(next);
          else setDraft(next);
        }}
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
