import { useState } from 'react';
import { CheckCircleFilled, EditOutlined, ThunderboltOutlined, UndoOutlined } from '@ant-design/icons';
import { Button, Input, InputNumber, Select, Space, Switch, Tooltip, Typography } from 'antd';
import type { CredentialField, MaskedSecret } from '@imbridge/contracts';
import { useI18n } from '../../../i18n';
import { generateValue } from '../utils/generateValue';

interface CredentialFieldControlProps {
  field: CredentialField;
  /** The stored secret when editing; set → the input starts hidden and empty means "unchanged". */
  masked?: MaskedSecret;
  /** Injected by Form.Item. */
  id?: string;
  value?: unknown;
  onChange?: (value: unknown) => void;
  'aria-invalid'?: boolean;
}

const MASK_MARKER = '\u0000';

/**
 * "已设置 ••••Ab9_" with the mask in a Latin monospace font: CJK fonts (Noto Sans CJK, PingFang,
 * YaHei) draw "•" full-width, which spreads the mask out into "· · · ·".
 */
function SecretSetText({ text, mask }: { text: string; mask: string }) {
  const [before, after = ''] = text.split(MASK_MARKER);
  return (
    <>
      {before}
      <span className="secret-status__mask">{mask}</span>
      {after}
    </>
  );
}

/** One input, chosen by the descriptor field's type; a secret gets a password input. */
export function CredentialFieldControl({ field, masked, id, value, onChange, ...rest }: CredentialFieldControlProps) {
  const { t, pick, formatDateTime } = useI18n();
  const [replacing, setReplacing] = useState(false);
  const placeholder = field.default !== undefined && typeof field.default !== 'boolean' ? String(field.default) : undefined;
  const ariaInvalid = rest['aria-invalid'];

  const generator = field.generate;
  const generateButton = generator ? (
    <Tooltip title={t('edit.generateTip')}>
      <Button
        icon={<ThunderboltOutlined />}
        onClick={() => onChange?.(generateValue(generator))}
        data-testid={`generate-${field.name}`}
      >
        {t('edit.generate')}
      </Button>
    </Tooltip>
  ) : null;

  switch (field.type) {
    case 'boolean':
      return <Switch id={id} checked={value === true} onChange={(checked) => onChange?.(checked)} />;
    case 'number':
      return (
        <InputNumber
          id={id}
          value={typeof value === 'number' ? value : value === undefined || value === null || value === '' ? null : Number(value)}
          onChange={(next) => onChange?.(next ?? undefined)}
          placeholder={placeholder}
          aria-invalid={ariaInvalid}
          style={{ width: '100%', maxWidth: 280 }}
        />
      );
    case 'select':
      return (
        <Select
          id={id}
          value={typeof value === 'string' && value !== '' ? value : undefined}
          onChange={(next: string | undefined) => onChange?.(next ?? undefined)}
          allowClear={!field.required}
          options={(field.options ?? []).map((o) => ({ value: o.value, label: pick(o.label) }))}
          style={{ width: '100%', maxWidth: 360 }}
        />
      );
    case 'string':
    case 'url':
      break;
  }

  const text = typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);

  if (field.secret) {
    if (masked?.set && !replacing) {
      return (
        <Space wrap size={[12, 4]} className="secret-status">
          <span className="secret-status__badge">
            <CheckCircleFilled className="secret-status__icon" />
            <span data-testid={`secret-status-${field.name}`}>
              <SecretSetText text={t('edit.secretSet', { mask: MASK_MARKER })} mask={masked.last4 ? `••••${masked.last4}` : '••••'} />
              {masked.updatedAt && (
                <Typography.Text type="secondary"> · {t('edit.secretUpdatedAt', { time: formatDateTime(masked.updatedAt) })}</Typography.Text>
              )}
            </span>
          </span>
          <Button id={id} size="small" icon={<EditOutlined />} onClick={() => setReplacing(true)} data-testid={`replace-${field.name}`}>
            {t('edit.replace')}
          </Button>
        </Space>
      );
    }
    const input = (
      <Input.Password
        id={id}
        value={text}
        onChange={(e) => onChange?.(e.target.value)}
        autoComplete="new-password"
        autoFocus={replacing}
        spellCheck={false}
        aria-invalid={ariaInvalid}
        placeholder={masked?.set ? t('edit.secretKeepPlaceholder') : placeholder}
        className="mono-input"
      />
    );
    return (
      <Space.Compact block>
        {input}
        {generateButton}
        {masked?.set && (
          <Tooltip title={t('edit.keepSecret')}>
            <Button
              icon={<UndoOutlined />}
              aria-label={t('edit.keepSecret')}
              onClick={() => {
                onChange?.(undefined);
                setReplacing(false);
              }}
            />
          </Tooltip>
        )}
      </Space.Compact>
    );
  }

  if (field.multiline) {
    // A longer text (a welcome message): grows with its content, no monospace.
    return (
      <Input.TextArea
        id={id}
        value={text}
        onChange={(e) => onChange?.(e.target.value)}
        placeholder={placeholder}
        autoSize={{ minRows: 2, maxRows: 8 }}
        aria-invalid={ariaInvalid}
        data-testid={`multiline-${field.name}`}
      />
    );
  }

  const input = (
    <Input
      id={id}
      value={text}
      onChange={(e) => onChange?.(e.target.value)}
      placeholder={placeholder}
      inputMode={field.type === 'url' ? 'url' : undefined}
      spellCheck={false}
      autoComplete="off"
      aria-invalid={ariaInvalid}
      className={field.type === 'url' ? undefined : 'mono-input'}
    />
  );
  if (!generateButton) return input;
  return (
    <Space.Compact block>
      {input}
      {generateButton}
    </Space.Compact>
  );
}
