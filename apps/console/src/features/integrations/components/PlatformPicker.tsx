import { RightOutlined } from '@ant-design/icons';
import { Card, Col, Row, Tag, Typography } from 'antd';
import type { PlatformDescriptor, PlatformId } from '@imbridge/contracts';
import { useI18n } from '../../../i18n';

interface PlatformPickerProps {
  platforms: PlatformDescriptor[];
  onSelect: (id: PlatformId) => void;
}

export function PlatformPicker({ platforms, onSelect }: PlatformPickerProps) {
  const { t, pick } = useI18n();
  return (
    <div>
      <Typography.Paragraph type="secondary">{t('edit.choosePlatformHint')}</Typography.Paragraph>
      <Row gutter={[16, 16]}>
        {platforms.map((platform) => (
          <Col key={platform.id} xs={24} sm={12} xl={8}>
            <Card
              hoverable
              className="platform-card"
              role="button"
              tabIndex={0}
              aria-label={pick(platform.name)}
              onClick={() => onSelect(platform.id)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' || e.key === ' ') {
                  e.preventDefault();
                  onSelect(platform.id);
                }
              }}
            >
              <div className="platform-card__head">
                <span className="platform-card__avatar" aria-hidden="true">
                  {pick(platform.name).slice(0, 1)}
                </span>
                <Typography.Text strong className="platform-card__name">
                  {pick(platform.name)}
                </Typography.Text>
                <RightOutlined className="platform-card__arrow" />
              </div>
              <Typography.Paragraph type="secondary" ellipsis={{ rows: 2 }} className="platform-card__desc">
                {pick(platform.description)}
              </Typography.Paragraph>
              <Tag variant="filled">{platform.id}</Tag>
            </Card>
          </Col>
        ))}
      </Row>
    </div>
  );
}
