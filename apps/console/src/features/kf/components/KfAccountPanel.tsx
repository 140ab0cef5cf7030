import { useEffect, useState, type ReactNode } from 'react';
import { DeleteOutlined, PlusOutlined, UserOutlined } from '@ant-design/icons';
import { Alert, App, Avatar, Button, Card, Col, Divider, Form, Input, Radio, Row, Select, Space, Switch, Tag, Typography } from 'antd';
import type { KfAccountSettings, KfAccountView, KfContactLink, KfServicerView } from '@imbridge/contracts';
import { isApiError } from '../../../api/client';
import { useI18n } from '../../../i18n';
import { kfApi } from '../api/kfApi';
import { KfContactLinks } from './KfContactLinks';

const MENU_MAX_ITEMS = 10;

interface MenuItemDraft {
  /** Stable React key while editing (ids may be typed twice or left empty). */
  key: number;
  id: string;
  content: string;
}

/** The editable copy of one account's settings. */
interface Draft {
  served: boolean;
  pipeline: KfAccountSettings['pipeline'];
  handoff: KfAccountSettings['handoff'];
  servicerUserId: string | null;
  welcomeEnabled: boolean;
  welcomeType: 'text' | 'menu';
  welcomeText: string;
  menuHead: string;
  menuItems: MenuItemDraft[];
  menuTail: string;
  endMessage: string;
}

let nextKey = 1;

function draftOf(a: KfAccountView): Draft {
  const menu = a.welcome.menu;
  return {
    served: a.served,
    pipeline: a.pipeline,
    handoff: a.handoff,
    servicerUserId: a.servicerUserId,
    welcomeEnabled: a.welcome.enabled,
    welcomeType: a.welcome.type,
    welcomeText: a.welcome.text ?? '',
    menuHead: menu?.head ?? '',
    menuItems: (menu?.items ?? []).map((item) => ({ key: nextKey++, ...item })),
    menuTail: menu?.tail ?? '',
    endMessage: a.endMessage ?? '',
  };
}

/** The PUT body: every setting (the welcome only with the part its type uses), empty end message as null. */
export function settingsOf(d: Draft): KfAccountSettings {
  const head = d.menuHead.trim();
  const tail = d.menuTail.trim();
  return {
    served: d.served,
    pipeline: d.pipeline,
    handoff: d.handoff,
    servicerUserId: d.handoff === 'wecom' ? d.servicerUserId : null,
    welcome:
      d.welcomeType === 'text'
        ? { enabled: d.welcomeEnabled, type: 'text', text: d.welcomeText }
        : {
            enabled: d.welcomeEnabled,
            type: 'menu',
            menu: { ...(head ? { head } : {}), items: d.menuItems.map(({ id, content }) => ({ id: id.trim(), content })), ...(tail ? { tail } : {}) },
          },
    endMessage: d.endMessage.trim() ? d.endMessage : null,
  };
}

/** `welcome.menu.items[0].id` and `welcome.menu.items.0.id` name the same field. */
const normalizeField = (field: string) => field.replace(/\[(\d+)\]/g, '.$1');

function useServicers(integrationId: string, openKfId: string, wanted: boolean) {
  const { lang } = useI18n();
  const [state, setState] = useState<{ list: KfServicerView[] | null; error: string | null; loading: boolean }>({ list: null, error: null, loading: false });
  useEffect(() => {
    if (!wanted) return;
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true, error: null }));
    kfApi.servicers(integrationId, openKfId, controller.signal).then(
      (list) => setState({ list, error: null, loading: false }),
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setState({ list: null, error: isApiError(err) ? err.localized(lang) : String(err), loading: false });
      },
    );
    return () => controller.abort();
    // lang only shapes the error text.
  }, [integrationId, openKfId, wanted]);
  return state;
}

/** One 微信客服 account: who serves it and how, welcome and end messages, and its contact links. */
export function KfAccountPanel({ integrationId, account, onSaved }: { integrationId: string; account: KfAccountView; onSaved: (account: KfAccountView) => void }) {
  const { t, lang, formatDateTime } = useI18n();
  const { message } = App.useApp();
  const [draft, setDraft] = useState<Draft>(() => draftOf(account));
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [links, setLinks] = useState<KfContactLink[]>(account.links);
  // A new copy from the server (saved here, or the card refreshed) replaces the edits.
  const [shown, setShown] = useState(account);
  if (shown !== account) {
    setShown(account);
    setDraft(draftOf(account));
    setLinks(account.links);
  }
  const servicers = useServicers(integrationId, account.openKfId, draft.handoff === 'wecom');
  const id = account.openKfId;

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const setItem = (key: number, patch: Partial<MenuItemDraft>) => set('menuItems', draft.menuItems.map((item) => (item.key === key ? { ...item, ...patch } : item)));

  const shownFields = new Set<string>();
  const fieldError = (...names: string[]): { validateStatus?: 'error'; help?: ReactNode } => {
    const found = names.map((n) => fieldErrors[n]).filter((m): m is string => !!m);
    names.forEach((n) => shownFields.add(n));
    return found.length ? { validateStatus: 'error', help: <span data-testid={`kf-field-error-${names[0]}`}>{found.join('；')}</span> } : {};
  };

  const save = async () => {
    setSaving(true);
    setSaveError(null);
    setFieldErrors({});
    try {
      const saved = await kfApi.updateAccount(integrationId, id, settingsOf(draft));
      setDraft(draftOf(saved));
      setLinks(saved.links);
      onSaved(saved);
      message.success(t('kf.saved', { name: saved.name }));
    } catch (err) {
      if (isApiError(err)) {
        setSaveError(err.localized(lang));
        setFieldErrors(Object.fromEntries(err.fieldProblems.map((p) => [normalizeField(p.field), lang === 'zh' ? p.message.zh : p.message.en])));
      } else setSaveError(t('common.unexpectedError'));
    } finally {
      setSaving(false);
    }
  };

  const servicerOptions = [
    { value: '', label: t('kf.servicer.auto') },
    ...(servicers.list ?? []).map((s) => ({
      value: s.userId,
      label: (
        <span>
          {s.userId}{' '}
          <Tag color={s.status === 0 ? 'success' : 'default'}>{s.status === 0 ? t('kf.servicer.receiving') : t('kf.servicer.stopped')}</Tag>
        </span>
      ),
    })),
    ...(draft.servicerUserId && !(servicers.list ?? []).some((s) => s.userId === draft.servicerUserId) ? [{ value: draft.servicerUserId, label: <span>{draft.servicerUserId}</span> }] : []),
  ];

  const settings = (
    <Form layout="vertical" component="div">
      <Form.Item>
        <Space>
          <Switch aria-label={t('kf.served')} checked={draft.served} onChange={(v) => set('served', v)} data-testid={`kf-served-${id}`} />
          <span>{t('kf.served')}</span>
        </Space>
        {!draft.served && (
          <div>
            <Typography.Text type="secondary" className="small-text">
              {t('kf.servedOff')}
            </Typography.Text>
          </div>
        )}
      </Form.Item>
      <Form.Item label={t('kf.pipeline')} {...fieldError('pipeline')}>
        <Radio.Group
          aria-label={t('kf.pipeline')}
          name={`kf-${id}-pipeline`}
          optionType="button"
          value={draft.pipeline}
          disabled={!draft.served}
          onChange={(e) => set('pipeline', e.target.value as Draft['pipeline'])}
          options={[
            { value: 'bot', label: t('kf.pipeline.bot') },
            { value: 'human', label: t('kf.pipeline.human') },
          ]}
        />
      </Form.Item>
      <Form.Item label={t('kf.handoff')} {...fieldError('handoff')}>
        <Radio.Group
          aria-label={t('kf.handoff')}
          name={`kf-${id}-handoff`}
          optionType="button"
          value={draft.handoff}
          disabled={!draft.served}
          onChange={(e) => set('handoff', e.target.value as Draft['handoff'])}
          options={[
            { value: 'console', label: t('kf.handoff.console') },
            { value: 'wecom', label: t('kf.handoff.wecom') },
          ]}
        />
      </Form.Item>
      {draft.handoff === 'wecom' && (
        <Form.Item label={t('kf.servicer')} {...fieldError('servicerUserId')}>
          <Select
            aria-label={t('kf.servicer')}
            data-testid={`kf-servicer-${id}`}
            loading={servicers.loading}
            disabled={!draft.served}
            value={draft.servicerUserId ?? ''}
            onChange={(v: string) => set('servicerUserId', v === '' ? null : v)}
            options={servicerOptions}
            style={{ maxWidth: 360 }}
          />
          {servicers.error && (
            <Typography.Text type="warning" className="small-text" data-testid="kf-servicers-error">
              {t('kf.servicer.loadFailed', { message: servicers.error })}
            </Typography.Text>
          )}
        </Form.Item>
      )}

      <Divider titlePlacement="start">{t('kf.welcome')}</Divider>
      <Form.Item>
        <Space>
          <Switch aria-label={t('kf.welcome.enabled')} checked={draft.welcomeEnabled} onChange={(v) => set('welcomeEnabled', v)} />
          <span>{t('kf.welcome.enabled')}</span>
        </Space>
      </Form.Item>
      {draft.welcomeEnabled && (
        <>
          <Form.Item {...fieldError('welcome.type')}>
            <Radio.Group
              aria-label={t('kf.welcome.type')}
              name={`kf-${id}-welcome-type`}
              value={draft.welcomeType}
              onChange={(e) => set('welcomeType', e.target.value as Draft['welcomeType'])}
              options={[
                { value: 'text', label: t('kf.welcome.typeText') },
                { value: 'menu', label: t('kf.welcome.typeMenu') },
              ]}
            />
          </Form.Item>
          {draft.welcomeType === 'text' ? (
            <Form.Item label={t('kf.welcome.text')} {...fieldError('welcome.text', 'welcome')}>
              <Input.TextArea aria-label={t('kf.welcome.text')} value={draft.welcomeText} autoSize={{ minRows: 2, maxRows: 6 }} onChange={(e) => set('welcomeText', e.target.value)} />
            </Form.Item>
          ) : (
            <div data-testid={`kf-menu-${id}`}>
              <Form.Item label={t('kf.menu.head')} {...fieldError('welcome.menu.head')}>
                <Input aria-label={t('kf.menu.head')} value={draft.menuHead} onChange={(e) => set('menuHead', e.target.value)} />
              </Form.Item>
              <Form.Item {...fieldError('welcome.menu.items', 'welcome.menu', 'welcome')}>
                <Space orientation="vertical" style={{ width: '100%' }}>
                  {draft.menuItems.map((item, i) => {
                    const idError = fieldError(`welcome.menu.items.${i}.id`);
                    const contentError = fieldError(`welcome.menu.items.${i}.content`);
                    return (
                      <div key={item.key} data-testid="kf-menu-item" style={{ display: 'flex', gap: 8, alignItems: 'flex-start' }}>
                        <Form.Item style={{ marginBottom: 0, width: 160 }} {...idError}>
                          <Input
                            aria-label={t('kf.menu.itemId', { n: i + 1 })}
                            placeholder={t('kf.menu.idPlaceholder')}
                            value={item.id}
                            status={idError.validateStatus}
                            onChange={(e) => setItem(item.key, { id: e.target.value })}
                          />
                        </Form.Item>
                        <Form.Item style={{ marginBottom: 0, flex: 1 }} {...contentError}>
                          <Input
                            aria-label={t('kf.menu.itemContent', { n: i + 1 })}
                            placeholder={t('kf.menu.contentPlaceholder')}
                            value={item.content}
                            status={contentError.validateStatus}
                            onChange={(e) => setItem(item.key, { content: e.target.value })}
                          />
                        </Form.Item>
                        <Button
                          type="text"
                          danger
                          icon={<DeleteOutlined />}
                          aria-label={t('kf.menu.remove', { n: i + 1 })}
                          onClick={() => set('menuItems', draft.menuItems.filter((x) => x.key !== item.key))}
                        />
                      </div>
                    );
                  })}
                  <Button
                    icon={<PlusOutlined />}
                    disabled={draft.menuItems.length >= MENU_MAX_ITEMS}
                    onClick={() => set('menuItems', [...draft.menuItems, { key: nextKey++, id: '', content: '' }])}
                  >
                    {t('kf.menu.add')}
                  </Button>
                  <Typography.Text type="secondary" className="small-text">
                    {t('kf.menu.hint')}
                  </Typography.Text>
                </Space>
              </Form.Item>
              <Form.Item label={t('kf.menu.tail')} {...fieldError('welcome.menu.tail')}>
                <Input aria-label={t('kf.menu.tail')} value={draft.menuTail} onChange={(e) => set('menuTail', e.target.value)} />
              </Form.Item>
            </div>
          )}
          <Typography.Paragraph type="secondary" className="small-text">
            {t('kf.welcome.hint')}
          </Typography.Paragraph>
        </>
      )}

      <Divider titlePlacement="start">{t('kf.endMessage')}</Divider>
      <Form.Item extra={t('kf.endMessage.hint')} {...fieldError('endMessage')}>
        <Input.TextArea aria-label={t('kf.endMessage')} value={draft.endMessage} autoSize={{ minRows: 2, maxRows: 5 }} onChange={(e) => set('endMessage', e.target.value)} />
      </Form.Item>
    </Form>
  );

  // Field errors with no field on screen (e.g. a hidden part) still show in the summary.
  const unplaced = Object.entries(fieldErrors).filter(([field]) => !shownFields.has(field));

  return (
    <Card
      size="small"
      data-testid={`kf-account-${id}`}
      title={
        <Space size={8} wrap>
          <Avatar src={account.avatar ?? undefined} icon={<UserOutlined />} size="small" />
          <span>{account.name}</span>
          <Typography.Text type="secondary" className="mono-small" data-testid="kf-open-kfid">
            {id}
          </Typography.Text>
          {!account.onPlatform && (
            <Tag color="warning" data-testid="kf-not-on-platform">
              {t('kf.notOnPlatform')}
            </Tag>
          )}
        </Space>
      }
      extra={
        <Typography.Text type="secondary" className="small-text">
          {account.lastPulledAt ? t('kf.lastPulled', { time: formatDateTime(account.lastPulledAt) }) : t('kf.neverPulled')}
        </Typography.Text>
      }
    >
      <Row gutter={[24, 16]}>
        <Col xs={24} lg={13}>
          {settings}
          {saveError && (
            <Alert
              type="error"
              showIcon
              style={{ marginBottom: 12 }}
              data-testid={`kf-save-error-${id}`}
              title={saveError}
              description={unplaced.length ? <ul className="plain-list">{unplaced.map(([f, m]) => <li key={f}>{`${f}: ${m}`}</li>)}</ul> : undefined}
            />
          )}
          <Button type="primary" loading={saving} onClick={() => void save()} data-testid={`kf-save-${id}`}>
            {t('kf.save')}
          </Button>
        </Col>
        <Col xs={24} lg={11}>
          <KfContactLinks integrationId={integrationId} openKfId={id} links={links} onChange={setLinks} />
        </Col>
      </Row>
    </Card>
  );
}
