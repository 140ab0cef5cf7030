import { useEffect, useState } from 'react';
import { InputNumber } from 'antd';

export const MAX_CAPACITY = 100;

interface CapacityInputProps {
  value: number;
  label: string;
  /** Resolves when saved; rejects (after telling the user) when the server refused. */
  onSave: (capacity: number) => Promise<void>;
}

/** Inline capacity editor: saves on Enter or when focus leaves, only when the number changed. */
export function CapacityInput({ value, label, onSave }: CapacityInputProps) {
  const [draft, setDraft] = useState<number | null>(value);
  const [saving, setSaving] = useState(false);

  // A live update (another admin, or our own save) replaces what is shown.
  useEffect(() => setDraft(value), [value]);

  const commit = async () => {
    if (saving) return;
    if (draft === null || draft === value) {
      setDraft(value);
      return;
    }
    setSaving(true);
    try {
      await onSave(draft);
    } catch {
      setDraft(value); // the refusal was shown; show the capacity that still holds
    } finally {
      setSaving(false);
    }
  };

  return (
    <InputNumber
      size="small"
      aria-label={label}
      data-testid="agent-capacity"
      min={0}
      max={MAX_CAPACITY}
      precision={0}
      style={{ width: 88 }}
      value={draft}
      disabled={saving}
      onChange={(v) => setDraft(typeof v === 'number' ? v : null)}
      onPressEnter={() => void commit()}
      onBlur={() => void commit()}
    />
  );
}
