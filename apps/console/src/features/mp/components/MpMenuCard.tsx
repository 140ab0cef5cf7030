import { useState } from 'react';
import { AppstoreOutlined, CloudUploadOutlined, ReloadOutlined, SaveOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Col, Popconfirm, Row, Skeleton, Space, Tag, Tooltip, Typography } from 'antd';
import type { I18nText, MpMenuView } from '@imbridge/contracts';
import { isApiError, type ApiError } from '../../../api/client';
import { useRequest } from '../../../api/useRequest';
import { translate, useI18n } from '../../../i18n';
import { mpApi } from '../api/mpApi';
import { draftOf, menuOf, menuProblems, normalizeField, placedFields, sameMenu, type DraftButton } from '../utils/menuModel';
import { MenuEditor, MenuPreview } from './MpMenuEditor';

const isMenuView = (value: unknown): value is MpMenuView => typeof value === 'object' && value !== null && 'draft' in value && 'published' in value;

/** The ids of every button in order: a change means buttons were added, removed or moved. */
const shape = (buttons: DraftButton[]) => buttons.map((b) => `${b.id}(${b.sub.map((s) => s.id).join(',')})`).join(' ');

/**
 * 「自定义菜单」 of a 公众号 integration: edit a draft (PUT), publish it (POST …/publish). The API's
 * field errors (`button[1].sub_button[0].url`) show next to their input.
 */
export function MpMenuCard({ integrationId }: { integrationId: string }) {
  const { t, lang, pick, formatDateTime } = useI18n();
  const { message } = App.useApp();
  const menu = useRequest((signal) => mpApi.menu(integrationId, signal), `mp-menu:${integrationId}`);
  const data = menu.data;

  const [loadedFrom, setLoadedFrom] = useState<MpMenuView | undefined>(undefined);
  const [buttons, setButtons] = useState<DraftButton[]>([]);
  const [errors, setErrors] = useState<Record<string, I18nText>>({});
  const [failure, setFailure] = useState<{ title: I18nText; error: ApiError | null } | null>(null);
  const [busy, setBusy] = useState<'save' | 'publish' | null>(null);
  // A new copy from the server (loaded, saved, published, refreshed) replaces the edits.
  if (data !== loadedFrom) {
    setLoadedFrom(data);
    setButtons(draftOf(data?.draft ?? data?.published));
    setErrors({});
  }

  const base = data?.draft ?? data?.published ?? null;
  const dirty = !!data && !sameMenu(menuOf(buttons), base ?? { button: [] });

  const both = (key: Parameters<typeof translate>[1]): I18nText => ({ zh: translate('zh', key), en: translate('en', key) });

  const change = (next: DraftButton[]) => {
    if (shape(next) !== shape(buttons)) setErrors({});
    setButtons(next);
  };

  /** Saves the editor's menu; false when it could not (the problems are shown). */
  const save = async (): Promise<boolean> => {
    setFailure(null);
    const local = menuProblems(buttons, (rule) => both(`mp.menu.rule.${rule}`));
    if (local.length > 0) {
      setErrors(Object.fromEntries(local.map((p) => [p.field, p.message])));
      setFailure({ title: both('mp.menu.problems'), error: null });
      return false;
    }
    setErrors({});
    try {
      const saved = await mpApi.saveMenu(integrationId, menuOf(buttons));
      if (isMenuView(saved)) menu.setData(saved);
      else menu.reload();
      return true;
    } catch (err) {
      if (isApiError(err)) {
        setErrors(Object.fromEntries(err.fieldProblems.map((p) => [normalizeField(p.field), p.message])));
        setFailure({ title: both('mp.menu.saveFailed'), error: err });
      } else setFailure({ title: both('mp.menu.saveFailed'), error: null });
      return false;
    }
  };

  const onSave = async () => {
    setBusy('save');
    try {
      if (await save()) message.success(t('mp.menu.saved'));
    } finally {
      setBusy(null);
    }
  };

  const onPublish = async () => {
    setBusy('publish');
    try {
      if (dirty && !(await save())) return;
      try {
        const published = await mpApi.publishMenu(integrationId);
        if (isMenuView(published)) menu.setData(published);
        else menu.reload();
        message.success(t('mp.menu.published'));
      } catch (err) {
        setFailure({ title: both('mp.menu.publishFailed'), error: isApiError(err) ? err : null });
      }
    } finally {
      setBusy(null);
    }
  };

  let body;
  if (menu.loading && !data) body = <Skeleton active paragraph={{ rows: 6 }} />;
  else if (!data)
    body = (
      <Alert
        type="error"
        showIcon
        data-testid="mp-menu-load-error"
        title={t('mp.menu.loadFailed')}
        description={isApiError(menu.error) ? menu.error.localized(lang) : t('common.unexpectedError')}
      />
    );
  else {
    const state = !data.draft && !data.published ? 'none' : data.draft && !sameMenu(data.draft, data.published) ? 'draft' : 'published';
    const editor = <MenuEditor buttons={buttons} onChange={change} errors={errors} />;
    // Field errors with no input on screen still show in the summary.
    const placed = placedFields(buttons);
    const unplaced = Object.entries(errors).filter(([field]) => !placed.has(field));
    const publishDisabled = !data.canPublish || buttons.length === 0;
    const publishButton = (
      <Button type="primary" icon={<CloudUploadOutlined />} loading={busy === 'publish'} disabled={publishDisabled || busy === 'save'} data-testid="mp-menu-publish">
        {t('mp.menu.publish')}
      </Button>
    );
    body = (
      <Space orientation="vertical" size={16} style={{ width: '100%' }}>
        <Space wrap size={8}>
          <Tag color={state === 'published' ? 'success' : state === 'draft' ? 'warning' : 'default'} data-testid="mp-menu-state" data-state={state}>
            {t(`mp.menu.state.${state}`)}
          </Tag>
          {dirty && (
            <Tag color="processing" data-testid="mp-menu-dirty">
              {t('mp.menu.unsaved')}
            </Tag>
          )}
          {data.publishedAt && (
            <Typography.Text type="secondary" className="small-text" data-testid="mp-menu-published-at">
              {t('mp.menu.publishedAt', { time: formatDateTime(data.publishedAt) })}
            </Typography.Text>
          )}
        </Space>
        {data.platformError && (
          <Alert type="warning" showIcon data-testid="mp-menu-platform-error" title={t('mp.menu.platformError', { code: data.platformError.code })} description={pick(data.platformError.message)} />
        )}
        {!data.canPublish && <Alert type="info" showIcon data-testid="mp-menu-cannot-publish" title={t('mp.menu.cannotPublish')} />}
        <Row gutter={[24, 16]}>
          <Col xs={24} lg={15}>
            {editor}
          </Col>
          <Col xs={24} lg={9}>
            <Typography.Text strong>{t('mp.menu.preview')}</Typography.Text>
            <div style={{ marginTop: 8 }}>
              <MenuPreview buttons={buttons} />
            </div>
          </Col>
        </Row>
        {failure && (
          <Alert
            type="error"
            showIcon
            data-testid="mp-menu-error"
            title={failure.error ? `${pick(failure.title)}: ${failure.error.localized(lang)}` : pick(failure.title)}
            description={unplaced.length ? <ul className="plain-list">{unplaced.map(([f, m]) => <li key={f}>{`${f}: ${pick(m)}`}</li>)}</ul> : undefined}
          />
        )}
        <Space wrap>
          <Button icon={<SaveOutlined />} loading={busy === 'save'} disabled={busy === 'publish'} onClick={() => void onSave()} data-testid="mp-menu-save">
            {t('mp.menu.save')}
          </Button>
          {publishDisabled ? (
            <Tooltip title={!data.canPublish ? t('mp.menu.cannotPublish') : t('mp.menu.empty')}>
              <span>{publishButton}</span>
            </Tooltip>
          ) : (
            <Popconfirm
              title={t('mp.menu.publishConfirm')}
              okText={t('mp.menu.publish')}
              cancelText={t('common.cancel')}
              onConfirm={() => onPublish()}
              okButtonProps={{ 'data-testid': 'mp-menu-publish-confirm' } as Record<string, string>}
            >
              {publishButton}
            </Popconfirm>
          )}
        </Space>
      </Space>
    );
  }

  return (
    <Card
      data-testid="mp-menu-card"
      title={
        <span className="card-title">
          <AppstoreOutlined /> {t('mp.menu.title')}
        </span>
      }
      extra={
        <Button size="small" icon={<ReloadOutlined />} loading={menu.loading && !!data} onClick={menu.reload} data-testid="mp-menu-reload">
          {t('mp.menu.reload')}
        </Button>
      }
    >
      <Typography.Paragraph type="secondary">{t('mp.menu.hint')}</Typography.Paragraph>
      {body}
    </Card>
  );
}
