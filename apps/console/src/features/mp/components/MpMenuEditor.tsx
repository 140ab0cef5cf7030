import type { ReactNode } from 'react';
import { ArrowDownOutlined, ArrowUpOutlined, DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Form, Input, Radio, Select, Space, Tooltip, Typography } from 'antd';
import { MP_MENU_BUTTON_TYPES, type I18nText, type MpMenuButtonType } from '@imbridge/contracts';
import { useI18n, type MessageKey } from '../../../i18n';
import { buttonLabel, buttonPath, MENU_MAX_SUB, MENU_MAX_TOP, move, newButton, TYPE_FIELDS, type DraftButton } from '../utils/menuModel';

type FieldErrors = Record<string, I18nText>;

interface FieldErrorApi {
  /** Form.Item props for the errors of `fields` (placed: see placedFields). */
  (...fields: string[]): { validateStatus?: 'error'; help?: ReactNode };
}

/** Form.Item error props from a map of field errors. */
function useFieldErrors(errors: FieldErrors): FieldErrorApi {
  const { pick } = useI18n();
  return (...fields: string[]) => {
    const found = fields.map((f) => errors[f]).filter((m): m is I18nText => !!m);
    return found.length ? { validateStatus: 'error', help: <span data-testid={`mp-field-error-${fields[0]}`}>{found.map(pick).join('；')}</span> } : {};
  };
}

const FIELD_LABEL: Record<'key' | 'url' | 'appid' | 'pagepath', { of: MessageKey; label: MessageKey; hint?: MessageKey }> = {
  key: { of: 'mp.menu.keyOf', label: 'mp.menu.key', hint: 'mp.menu.key.hint' },
  url: { of: 'mp.menu.urlOf', label: 'mp.menu.url', hint: 'mp.menu.url.hint' },
  appid: { of: 'mp.menu.appidOf', label: 'mp.menu.appid' },
  pagepath: { of: 'mp.menu.pagepathOf', label: 'mp.menu.pagepath' },
};

interface ButtonEditorProps {
  button: DraftButton;
  top: number;
  sub?: number;
  count: number;
  onChange: (button: DraftButton) => void;
  onMove: (delta: number) => void;
  onRemove: () => void;
  fieldError: FieldErrorApi;
}

/** One button: name, action type and the fields it needs; a top button may be a sub-menu instead. */
function ButtonEditor({ button, top, sub, count, onChange, onMove, onRemove, fieldError }: ButtonEditorProps) {
  const { t } = useI18n();
  const isTop = sub === undefined;
  const path = buttonPath(top, sub);
  const label = buttonLabel(top, sub);
  const index = isTop ? top : sub;
  const set = (patch: Partial<DraftButton>) => onChange({ ...button, ...patch });

  const typeOptions = MP_MENU_BUTTON_TYPES.map((type) => ({ value: type, label: t(`mp.menu.type.${type}` as MessageKey) }));

  const actionFields = button.kept ? (
    <Typography.Text type="secondary" className="small-text" data-testid="mp-menu-kept">
      {t('mp.menu.kept', { type: String(button.kept.type) })}
    </Typography.Text>
  ) : (
    <>
      <Form.Item label={t('mp.menu.type')} {...fieldError(`${path}.type`)}>
        <Select<MpMenuButtonType>
          aria-label={t('mp.menu.typeOf', { path: label })}
          data-testid={`mp-menu-type-${path}`}
          value={button.type}
          options={typeOptions}
          onChange={(type) => set({ type })}
          style={{ maxWidth: 320 }}
        />
      </Form.Item>
      {TYPE_FIELDS[button.type].map((field) => {
        const texts = FIELD_LABEL[field];
        const miniUrl = field === 'url' && button.type === 'miniprogram';
        const err = fieldError(`${path}.${field}`);
        return (
          <Form.Item
            key={field}
            label={t(miniUrl ? 'mp.menu.miniprogramUrl' : texts.label)}
            extra={miniUrl ? t('mp.menu.miniprogramUrl.hint') : texts.hint ? t(texts.hint) : undefined}
            {...err}
          >
            <Input
              aria-label={t(texts.of, { path: label })}
              value={button[field]}
              status={err.validateStatus}
              inputMode={field === 'url' ? 'url' : undefined}
              spellCheck={false}
              onChange={(e) => set({ [field]: e.target.value })}
            />
          </Form.Item>
        );
      })}
    </>
  );

  const nameError = fieldError(`${path}.name`, path);
  const head = (
    <Space size={4}>
      <Tooltip title={t('mp.menu.up', { path: label })}>
        <Button size="small" type="text" icon={<ArrowUpOutlined />} aria-label={t('mp.menu.up', { path: label })} disabled={index === 0} onClick={() => onMove(-1)} />
      </Tooltip>
      <Tooltip title={t('mp.menu.down', { path: label })}>
        <Button size="small" type="text" icon={<ArrowDownOutlined />} aria-label={t('mp.menu.down', { path: label })} disabled={index === count - 1} onClick={() => onMove(1)} />
      </Tooltip>
      <Tooltip title={t('mp.menu.remove', { path: label })}>
        <Button size="small" type="text" danger icon={<DeleteOutlined />} aria-label={t('mp.menu.remove', { path: label })} onClick={onRemove} />
      </Tooltip>
    </Space>
  );

  const body = (
    <Form layout="vertical" component="div" size="small">
      <Form.Item label={t('mp.menu.name')} {...nameError}>
        <Input aria-label={t('mp.menu.nameOf', { path: label })} value={button.name} status={nameError.validateStatus} onChange={(e) => set({ name: e.target.value })} />
      </Form.Item>
      {isTop && (
        <Form.Item label={t('mp.menu.kind')}>
          <Radio.Group
            aria-label={t('mp.menu.kind')}
            name={`mp-menu-kind-${button.id}`}
            optionType="button"
            value={button.isSubMenu ? 'sub' : 'action'}
            onChange={(e) => set({ isSubMenu: e.target.value === 'sub', sub: e.target.value === 'sub' && button.sub.length === 0 ? [newButton()] : button.sub })}
            options={[
              { value: 'action', label: t('mp.menu.kind.action') },
              { value: 'sub', label: t('mp.menu.kind.sub') },
            ]}
          />
        </Form.Item>
      )}
      {isTop && button.isSubMenu ? (
        <Form.Item {...fieldError(`${path}.sub_button`)}>
          <Space orientation="vertical" size={8} style={{ width: '100%' }}>
            {button.sub.map((s, j) => (
              <ButtonEditor
                key={s.id}
                button={s}
                top={top}
                sub={j}
                count={button.sub.length}
                fieldError={fieldError}
                onChange={(next) => set({ sub: button.sub.map((x) => (x.id === s.id ? next : x)) })}
                onMove={(delta) => set({ sub: move(button.sub, j, delta) })}
                onRemove={() => set({ sub: button.sub.filter((x) => x.id !== s.id) })}
              />
            ))}
            <Button
              size="small"
              icon={<PlusOutlined />}
              disabled={button.sub.length >= MENU_MAX_SUB}
              onClick={() => set({ sub: [...button.sub, newButton()] })}
              data-testid={`mp-menu-add-sub-${top}`}
            >
              {t('mp.menu.addSub')}
            </Button>
          </Space>
        </Form.Item>
      ) : (
        actionFields
      )}
    </Form>
  );

  return (
    <Card
      size="small"
      type={isTop ? undefined : 'inner'}
      data-testid={isTop ? 'mp-menu-top' : 'mp-menu-sub'}
      data-path={path}
      title={isTop ? t('mp.menu.top', { n: top + 1 }) : t('mp.menu.sub', { n: (sub ?? 0) + 1 })}
      extra={head}
    >
      {body}
    </Card>
  );
}

/** A phone's bottom bar with the menu as it would look (sub-menus listed above their button). */
export function MenuPreview({ buttons }: { buttons: DraftButton[] }) {
  const { t } = useI18n();
  return (
    <div data-testid="mp-menu-preview" aria-label={t('mp.menu.preview')} style={{ width: 260, border: '8px solid #1f1f1f', borderRadius: 24, overflow: 'hidden', background: '#ededed' }}>
      <div style={{ minHeight: 220, display: 'flex', alignItems: 'flex-end', gap: 4, padding: '8px 8px 4px 40px' }}>
        {buttons.map((b) => (
          <div key={b.id} style={{ flex: 1, minWidth: 0 }}>
            {b.isSubMenu && (
              <div style={{ background: '#fff', borderRadius: 4, boxShadow: '0 1px 3px rgba(0,0,0,0.15)', fontSize: 12 }}>
                {b.sub.map((s) => (
                  <div key={s.id} style={{ padding: '6px 4px', textAlign: 'center', borderBottom: '1px solid #f0f0f0', overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>
                    {s.name || '—'}
                  </div>
                ))}
              </div>
            )}
          </div>
        ))}
      </div>
      <div style={{ display: 'flex', borderTop: '1px solid #d9d9d9', background: '#f7f7f7', height: 44 }}>
        <div style={{ width: 36, display: 'flex', alignItems: 'center', justifyContent: 'center', borderRight: '1px solid #d9d9d9', color: '#8c8c8c' }}>⌨</div>
        {buttons.length === 0 ? (
          <div style={{ flex: 1, display: 'flex', alignItems: 'center', justifyContent: 'center', color: '#8c8c8c', fontSize: 12 }}>{t('mp.menu.previewEmpty')}</div>
        ) : (
          buttons.map((b, i) => (
            <div
              key={b.id}
              data-testid="mp-menu-preview-button"
              style={{ flex: 1, minWidth: 0, display: 'flex', alignItems: 'center', justifyContent: 'center', fontSize: 13, borderLeft: i ? '1px solid #d9d9d9' : undefined, overflow: 'hidden', whiteSpace: 'nowrap', textOverflow: 'ellipsis', padding: '0 4px' }}
            >
              {b.isSubMenu ? '≡ ' : ''}
              {b.name || '—'}
            </div>
          ))
        )}
      </div>
    </div>
  );
}

interface MenuEditorProps {
  buttons: DraftButton[];
  onChange: (buttons: DraftButton[]) => void;
  /** By normalized field (`button.0.sub_button.1.url`); those without an input are the caller's to show. */
  errors: FieldErrors;
}

/** Up to 3 top buttons, each an action or a sub-menu of up to 5. */
export function MenuEditor({ buttons, onChange, errors }: MenuEditorProps) {
  const { t, pick } = useI18n();
  const fieldError = useFieldErrors(errors);
  return (
    <Space orientation="vertical" size={12} style={{ width: '100%' }} data-testid="mp-menu-editor">
      {errors['button'] && <Alert type="error" showIcon data-testid="mp-field-error-button" title={pick(errors['button'])} />}
      {buttons.length === 0 && <Typography.Text type="secondary">{t('mp.menu.empty')}</Typography.Text>}
      {buttons.map((b, i) => (
        <ButtonEditor
          key={b.id}
          button={b}
          top={i}
          count={buttons.length}
          fieldError={fieldError}
          onChange={(next) => onChange(buttons.map((x) => (x.id === b.id ? next : x)))}
          onMove={(delta) => onChange(move(buttons, i, delta))}
          onRemove={() => onChange(buttons.filter((x) => x.id !== b.id))}
        />
      ))}
      <Button icon={<PlusOutlined />} disabled={buttons.length >= MENU_MAX_TOP} onClick={() => onChange([...buttons, newButton()])} data-testid="mp-menu-add-top">
        {t('mp.menu.addTop')}
      </Button>
    </Space>
  );
}
